"""Local mode or shared server, and who the user is.

Without sign-in settings (no `[auth]` in `.streamlit/secrets.toml`) the app runs in local mode, as
it always did: one machine, everything allowed, and the sidebar says so. With them it is the shared
server: before sign-in only a «Logg inn» button; after it, the user's access from the access file
(`ALLOCATOR_ACCESS`), which the store enforces on every read and save. Sign-in itself is
Streamlit's (`st.login`, OpenID Connect); the app never sees a password.
"""

from __future__ import annotations

import os

import streamlit as st

from allocator.output import store
from allocator.output.store import AccessFileError, Actor

LOCAL_NOTE = "Lokal modus: alle som når denne maskinen, ser alt"


def _session_actor() -> Actor | None:
    """Who this browser session is, for the store (None outside a session or before sign-in)."""
    try:
        return st.session_state.get("actor")
    except Exception:  # noqa: BLE001 - no script run context (a background thread): nobody
        return None


def register() -> None:
    """Tell the store who is asking: the user of the session that runs this script."""
    store.set_actor_provider(_session_actor)


def sign_in_configured() -> bool:
    """True when the secrets (`.streamlit/secrets.toml`) have an `[auth]` section (the shared server)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no or unreadable secrets file: local mode
        return False


def signed_in() -> bool:
    """`st.user.is_logged_in`, False where Streamlit has no such attribute (no `[auth]` it can see)."""
    try:
        return bool(st.user.is_logged_in)
    except AttributeError:
        return False


def server_mode() -> bool:
    return bool(st.session_state.get("server_mode"))


def rules_or_stop():
    """The access file's rules; an unreadable file stops the page with its message."""
    try:
        return store.rules()
    except AccessFileError as exc:
        st.error(f"Tilgangsfilen kan ikke brukes, så ingen får se scenarioer:\n\n{exc}")
        return False


def gate() -> bool:
    """True when the app may be shown; else this page shows only what a stranger may see."""
    session = st.session_state
    if not _store_opens():
        return False
    if not sign_in_configured():
        session.server_mode = False
        if os.environ.get(store.ACCESS_ENV, "").strip():
            st.error("Tilgangsfilen (ALLOCATOR_ACCESS) er satt, men innlogging er ikke satt opp ([auth] i "
                     ".streamlit/secrets.toml). Appen viser ingenting før begge er på plass.")
            return False
        session.actor = None
        return True
    session.server_mode = True
    rules = rules_or_stop()
    if rules is False:
        return False
    if rules is None:
        st.error("Serveren har innlogging, men ingen tilgangsfil (ALLOCATOR_ACCESS). Ingen får se scenarioer "
                 "før den er på plass.")
        return False
    if not signed_in():
        session.actor = None
        st.title("Bosetting i fylket")
        if st.button("Logg inn", type="primary"):
            st.login()
        return False
    groups = st.user.get(rules.group_claim) or []
    actor = rules.actor(st.user.get("email"), groups if isinstance(groups, list) else [groups])
    if session.get("signed_in_as") != actor.email:
        session.signed_in_as = actor.email
        store.record("innlogget" if actor.known else "avvist", actor=actor)
    if not actor.known:
        session.actor = None
        st.title("Bosetting i fylket")
        st.info(f"Du er logget inn som {actor.email or 'en bruker uten e-postadresse'}, men har ikke tilgang til "
                "dette verktøyet. Be KS om tilgang, så får du se scenarioene for ditt fylke.")
        if st.button("Logg ut"):
            st.logout()
        return False
    session.actor = actor
    return True


def _store_opens() -> bool:
    """The database of saved scenarios opens (else its message, and nothing else)."""
    try:
        store.store()
    except store.StoreUnavailable as exc:
        st.error(str(exc))
        return False
    return True


def who_am_i() -> None:
    """The sidebar's line about the mode: local, or who is signed in with which access."""
    if not server_mode():
        st.caption(LOCAL_NOTE)
        return
    actor: Actor = st.session_state.actor
    roles = ", ".join(sorted({g.rolle + (f" ({', '.join(sorted(g.fylker))})" if g.fylker else "") for g in actor.grants}))
    st.caption(f"Innlogget som {actor.email}: {roles}")
    if st.button("Logg ut", width="stretch"):
        st.logout()
