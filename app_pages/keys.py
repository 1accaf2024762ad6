"""Every key of a session's `st.session_state`, in one place.

Two kinds, kept apart on purpose:

- The session's own state (the scenario and what goes with it). The scenario, the loaded one and
  the steps change only through `state.py` (`try_edit`, `load`, `undo` …); the views write only
  their messages and the table editors' bookkeeping. Streamlit never removes these keys.
- Widget keys. Streamlit deletes a widget's key from the session whenever a run does not draw the
  widget (another view is on screen), so a widget key must never hold anything the session needs
  later: an input is given its value from the scenario each time it is drawn, and its key contains
  that value (`field`), so a new value from anywhere (an undo, a load, a refused edit) gives a new
  input showing it, while an input whose value did not change keeps its key (and the focus).
"""

from __future__ import annotations

# --------------------------------------------------------------------------- the session's own state

SCENARIO = "scenario"  # the working scenario (allocator.scenario.Scenario)
BASE = "base"  # the scenario as loaded or last saved: "change from start", "Tilbakestill", unsaved or not
PLAN = "plan"  # the plan on screen
PREVIOUS_PLAN = "previous_plan"  # the plan before the last edit ("Endring")
UNDO = "undo"  # list[state.Step]: the edits that can be undone, oldest first
REDO = "redo"  # list[state.Step]: undone edits that can be made again
LOADED_LABEL = "loaded_label"  # the label of the scenario in «Velg scenario»
EDITOR_VERSION = "editor_version"  # a new number gives fresh editors (the tables show the scenario as it is)
COUNTY_EDITOR_VERSION = "county_editor_version"  # the same for «Anmodning per fylke» alone
EDITOR_APPLIED, EDITOR_APPLIED_VERSION = "editor_applied", "editor_applied_version"  # the table's edits already made
REFUSALS = "refusals"  # counts refused input edits: a refused input is drawn afresh with the scenario's value
PENDING = "pending"  # state.Pending: a replacement of the scenario waiting for the user's yes
DRAFT_ID = "draft_id"  # where this session's unsaved edits are kept (also in the address: ?utkast=…)
DRAFT_OFFER = "draft_offer"  # drafts.Draft found for the address at the start of a session
NOTICE, EDIT_ERROR, SOLVE_ERROR = "notice", "edit_error", "solve_error"
LAST_VIEW = "last_view"

# --------------------------------------------------------------------------- widget keys

CHOICE = "choice"  # «Velg scenario»
VIEW = "view"  # the view switch
SAVE_NAME = "save_name"
UPLOAD = "upload"
NEW_COUNTY, NEW_YEAR = "new_county", "new_year"
CONFIRM_REPLACE = "confirm_replace"
OPENED = "store_opened"  # (id, version, name) of the saved scenario this session opened or saved last
SAVE_CONFLICT = "save_conflict"  # someone saved the opened scenario since: who, when, which version
HISTORY_OPEN = "history_open"
DRAFT_QUERY = "utkast"  # the address's query parameter


def field(field_id: str, shown: str, refusals: int) -> str:
    """An input of a scenario field: new whenever the value it shows changes (see the module)."""
    return f"felt:{field_id}:{refusals}:{shown}"


def editor(name: str, version: int) -> str:
    """A table editor («editor», «schedule», «ready», «dated», «counties») of one editor version."""
    return f"{name}_{version}"
