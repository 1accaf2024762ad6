"""Who may read and who may change which county's scenarios: the access file and the rules.

On the shared server the access file (a TOML file named by `ALLOCATOR_ACCESS`) lists the users by
e-mail, or by a group in the identity provider's token, each with a role and the counties it
covers. The store asks these rules on every read and write, so hiding a button is never the only
protection. Without an access file the store runs in local mode: one person on one machine, who
may do everything (as before there was sign-in).

Roles: `les` reads the scenarios of the listed counties; `rediger` reads and saves them;
`nasjonal` reads every county's and saves national ones (spanning counties); `admin` does
everything and reads the log. A scenario belongs to one county, or to «nasjonal».
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from allocator.scenario.national import COUNTY_NAMES

NATIONAL_OWNER = "nasjonal"
ROLES = ("les", "rediger", "nasjonal", "admin")
ACCESS_ENV = "ALLOCATOR_ACCESS"


class AccessFileError(ValueError):
    """The access file cannot be read or breaks a rule; the message names the file and the entry."""


class AccessDenied(PermissionError):
    """Not allowed. The message never names a scenario the user may not read."""


@dataclass(frozen=True)
class Grant:
    """One role over some counties (every county for `nasjonal` and `admin`)."""

    rolle: str
    fylker: frozenset[str] = frozenset()

    def reads(self, owner: str) -> bool:
        return self.rolle in ("nasjonal", "admin") or owner in self.fylker

    def writes(self, owner: str) -> bool:
        if self.rolle == "admin":
            return True
        if self.rolle == "nasjonal":
            return owner == NATIONAL_OWNER
        return self.rolle == "rediger" and owner in self.fylker


@dataclass(frozen=True)
class Actor:
    """The person the store acts for: who she is (for the history and the log) and her grants.
    `signed_in` is False for the anonymous meeting guest, who may read bundled scenarios only
    where the access file allows meetings without sign-in."""

    email: str
    grants: tuple[Grant, ...] = ()
    signed_in: bool = True

    def can_read(self, owner: str) -> bool:
        return any(g.reads(owner) for g in self.grants)

    def can_write(self, owner: str) -> bool:
        return any(g.writes(owner) for g in self.grants)

    @property
    def is_admin(self) -> bool:
        return any(g.rolle == "admin" for g in self.grants)

    @property
    def known(self) -> bool:
        """In the access file (a user who is not gets a polite refusal and nothing else)."""
        return bool(self.grants)


def local_actor() -> Actor:
    """The one user of local mode: everything allowed; saves are signed with the login name."""
    try:
        who = getpass.getuser()
    except (OSError, KeyError):
        who = "lokal bruker"
    return Actor(email=who, grants=(Grant("admin"),))


NOBODY = Actor(email="", grants=(), signed_in=False)


@dataclass(frozen=True)
class AccessRules:
    """The parsed access file."""

    users: tuple[tuple[str, Grant], ...] = ()   # (e-mail in lower case, grant)
    groups: tuple[tuple[str, Grant], ...] = ()  # (group name, grant)
    group_claim: str = "groups"
    meeting_without_sign_in: bool = False
    source: str = ""

    def actor(self, email: str | None, groups: list[str] | tuple[str, ...] = ()) -> Actor:
        """The actor for a signed-in user: every grant her e-mail or one of her groups has."""
        email = (email or "").strip()
        mine = [g for e, g in self.users if e == email.lower()]
        mine += [g for name, g in self.groups if name in set(groups or ())]
        return Actor(email=email, grants=tuple(dict.fromkeys(mine)))


def _entry_error(source: str, n: int, text: str) -> AccessFileError:
    return AccessFileError(f"{source}: oppføring nr. {n} under [[users]]: {text}")


def parse_rules(text: str, source: str = "tilgangsfilen") -> AccessRules:
    """Parse and check an access file; a mistake names the file, the entry and the field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AccessFileError(f"{source}: er ikke gyldig TOML ({exc})") from None
    unknown = set(data) - {"users", "group_claim", "mote_uten_innlogging"}
    if unknown:
        raise AccessFileError(f"{source}: ukjent innstilling {', '.join(sorted(unknown))} "
                              "(kjente: users, group_claim, mote_uten_innlogging)")
    entries = data.get("users", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise AccessFileError(f"{source}: users må skrives som [[users]]-tabeller")
    users, groups = [], []
    for n, entry in enumerate(entries, start=1):
        unknown = set(entry) - {"email", "gruppe", "fylker", "rolle", "navn"}
        if unknown:
            raise _entry_error(source, n, f"ukjent felt {', '.join(sorted(unknown))}")
        rolle = entry.get("rolle")
        if rolle not in ROLES:
            raise _entry_error(source, n, f"rolle må være en av {', '.join(ROLES)} (fant {rolle!r})")
        fylker = entry.get("fylker", [])
        if not isinstance(fylker, list) or not all(isinstance(f, str) for f in fylker):
            raise _entry_error(source, n, "fylker må være en liste med fylkesnavn")
        wrong = [f for f in fylker if f not in COUNTY_NAMES and f != NATIONAL_OWNER]
        if wrong:
            raise _entry_error(source, n, f"ukjent fylke {', '.join(wrong)} (gyldige: {', '.join(COUNTY_NAMES)})")
        if rolle in ("les", "rediger") and not fylker:
            raise _entry_error(source, n, f"rollen {rolle} trenger minst ett fylke i fylker")
        grant = Grant(rolle, frozenset(fylker))
        email, gruppe = entry.get("email"), entry.get("gruppe")
        if (email is None) == (gruppe is None):
            raise _entry_error(source, n, "skriv enten email eller gruppe (ett av dem)")
        if email is not None:
            if not isinstance(email, str) or "@" not in email:
                raise _entry_error(source, n, f"email må være en e-postadresse (fant {email!r})")
            users.append((email.strip().lower(), grant))
        else:
            if not isinstance(gruppe, str) or not gruppe.strip():
                raise _entry_error(source, n, "gruppe må være et gruppenavn")
            groups.append((gruppe.strip(), grant))
    claim = data.get("group_claim", "groups")
    meeting = data.get("mote_uten_innlogging", False)
    if not isinstance(claim, str) or not isinstance(meeting, bool):
        raise AccessFileError(f"{source}: group_claim må være tekst og mote_uten_innlogging true eller false")
    return AccessRules(tuple(users), tuple(groups), claim, meeting, source)


def read_rules(path: str | os.PathLike) -> AccessRules:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AccessFileError(f"{path}: kan ikke leses ({exc.strerror})") from None
    return parse_rules(text, str(path))
