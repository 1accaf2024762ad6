"""Meeting mode: a read-only link that shows the live plan of an adviser's session.

The adviser opens a meeting for the scenario she is working on; every change she makes is
published here, and anyone with the link (and the right to read that county's scenarios, or
without sign-in where the access file allows it) sees the plan follow. A meeting lives in the
server's memory only: it ends when she ends it or the server restarts, and nothing of it is saved.
The link's token is 128 random bits, so a meeting cannot be found by guessing.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, replace

from allocator.output.store.access import AccessRules, Actor
from allocator.output.store.repository import owner_of
from allocator.scenario.data import Scenario
from allocator.scenario.write import fingerprint

#: A meeting nobody has published to for this long is closed (the adviser's tab was closed).
IDLE_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Meeting:
    token: str
    host: str
    owner: str
    scenario: Scenario
    fingerprint: str
    updated_at: float
    changes: int = 0  # how many times the plan changed during the meeting


class Meetings:
    """The open meetings of this server process (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, Meeting] = {}

    def open(self, host: Actor, scenario: Scenario) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._forget_idle()
            self._open[token] = Meeting(token, host.email, owner_of(scenario), scenario, fingerprint(scenario), time.time())
        return token

    def publish(self, token: str, scenario: Scenario) -> bool:
        """The adviser's scenario now; True when it changed. The meeting's county follows the
        scenario: if she opens another county's scenario, that county's readers may see it, and
        the first county's no longer."""
        digest = fingerprint(scenario)
        with self._lock:
            meeting = self._open.get(token)
            if meeting is None or meeting.fingerprint == digest:
                return False
        owner = owner_of(scenario)
        with self._lock:
            meeting = self._open.get(token)
            if meeting is None:
                return False
            self._open[token] = replace(meeting, scenario=scenario, fingerprint=digest, owner=owner,
                                        updated_at=time.time(), changes=meeting.changes + 1)
            return True

    def get(self, token: str) -> Meeting | None:
        with self._lock:
            return self._open.get(token)

    def close(self, token: str) -> None:
        with self._lock:
            self._open.pop(token, None)

    def _forget_idle(self) -> None:
        cutoff = time.time() - IDLE_SECONDS
        for token in [t for t, m in self._open.items() if m.updated_at < cutoff]:
            del self._open[token]


def may_view(meeting: Meeting, actor: Actor | None, rules: AccessRules | None) -> bool:
    """Local mode: anyone who reaches the machine. Server: a user who may read the scenario's county,
    or anybody where the access file says `mote_uten_innlogging = true`."""
    if rules is None or rules.meeting_without_sign_in:
        return True
    return actor is not None and actor.can_read(meeting.owner)


#: The meetings of this server.
MEETINGS = Meetings()
