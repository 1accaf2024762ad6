"""Forhandling: the table of limits and locks, the request and the key — edited live in a meeting.

The view is a fragment: an edit reruns only this part of the page, and an edit in the table only
the table's part (the plan's figures and the table). Edits arrive through widget
callbacks, so a refused edit puts its widget back at once and the screen always shows the inputs
of the plan on screen.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from allocator.labels import GROUP_LABELS, column_label, number, signed
from allocator.plan import Plan
from allocator.present import edits, fields
from allocator.present.views import HOLDING_HELP, apply_editor_edits, editor_frame, editor_inputs
from allocator.scenario.data import GROUPS, KeyTerm, Scenario
from allocator.scenario.key import key_candidates, key_shares
from allocator.scenario.limits import MAX_PERSONS

from . import keys, state
from .common import summary_strip
from .inputs import field_input

#: Widths (px) and short headings so that at 1366 px (sidebar open) every negotiated column is in view.
WIDTHS = {"max_total": 98, "min_total": 95, "small_dwellings": 100, "family_dwellings": 122, "minor_places": 98,
          "special_places": 138, "minor_care_places": 125, "minor_other_places": 115}
SHORT_LABELS = {"special_places": "Plasser særskilte"}


def editor_key() -> str:
    """The negotiation table's key: the same across edits, new when the scenario is replaced (a
    load, a reset, a refused edit), which gives a fresh editor without the old edits."""
    session = st.session_state
    version = session[keys.EDITOR_VERSION]
    if session.get(keys.EDITOR_APPLIED_VERSION) != version:
        session[keys.EDITOR_APPLIED], session[keys.EDITOR_APPLIED_VERSION] = {}, version
    return keys.editor("editor", version)


# --------------------------------------------------------------------------- callbacks


def apply_table_edits() -> None:
    """Cells of the negotiation table changed: one scenario edit with the cells that are new.

    The editor keeps its key across edits, so the table keeps its scroll position and sort while
    the plan's columns update in place (Streamlit keeps a keyed fixed-rows editor's identity when
    only values change). Its `edited_rows` therefore holds every edit made in it; the ones already
    applied are remembered in `editor_applied` and only cells that differ from those are new. A
    refused edit gets a fresh editor, which shows the scenario as it is. Read from the editor's
    state at the start of the view's run (not in an on_change callback), so that the browser and
    Streamlit's AppTest take the same path."""
    session = st.session_state
    edited = (session.get(editor_key()) or {}).get("edited_rows") or {}
    applied = session.get(keys.EDITOR_APPLIED) or {}
    fresh = {position: {column: value for column, value in row.items() if column not in applied.get(position, {})
                        or not _same(applied[position][column], value)}
             for position, row in edited.items()}
    fresh = {position: row for position, row in fresh.items() if row}
    if not fresh or session[keys.PLAN] is None:
        # the browser also drops edits the new data already holds: forget them here too
        session[keys.EDITOR_APPLIED] = {position: dict(row) for position, row in edited.items()}
        return
    scenario, plan, base = state.scenario(), session[keys.PLAN], state.base()
    frame = editor_frame(scenario, plan)
    reasons_only = all(set(row) <= {"lock_reason"} for row in fresh.values())
    if state.try_edit(lambda s: apply_editor_edits(s, plan, base, frame, fresh), "Endringen i tabellen"):
        unlocked = [frame.at[frame.index[int(p)], "kommune"] for p, row in fresh.items()
                    if reasons_only and row.get("lock_reason") and not frame.iat[int(p), frame.columns.get_loc("locked")]]
        if unlocked:
            session[keys.NOTICE] = (f"Begrunnelsen for {', '.join(unlocked)} er lagret. Kryss av «Låst» for å holde tallet fast.")
        session[keys.EDITOR_APPLIED] = {position: dict(row) for position, row in edited.items()}
    else:
        state.new_editors()  # a fresh editor shows the scenario as it is, without the refused cell


def _same(a: object, b: object) -> bool:
    """Equal cell values, with an emptied cell (None or NaN) equal to another emptied cell."""
    def empty(v: object) -> bool:
        return v is None or (isinstance(v, float) and v != v)
    return (empty(a) and empty(b)) or a == b


def on_add_key_column() -> None:
    column = st.session_state.get("key_new_column")
    if column and column not in {t.column for t in state.scenario().key}:
        state.try_edit(lambda s: edits.set_key(s, (*s.key, KeyTerm(column, 0.0))), "Kolonnen",
                       f"Nøkkelen: {column_label(column)} lagt til (vekt 0)")


def on_remove_key_column(column: str) -> None:
    state.try_edit(lambda s: edits.set_key(s, tuple(t for t in s.key if t.column != column)), "Fjerningen",
                   f"Nøkkelen: {column_label(column)} fjernet")


def on_county_split(key: str) -> None:
    by_key = bool(st.session_state.get(key))
    words = "delt på fylkene etter nøkkelen" if by_key else "gitt per fylke"
    if not state.try_edit(lambda s: fields.set_county_split(s, by_key), "Endringen av anmodningen", f"Anmodningen {words}"):
        state.refused()


def apply_county_edits() -> None:
    """Cells of «Anmodning per fylke» changed: each cell is one field of the scenario."""
    session = st.session_state
    scenario = state.scenario()
    if scenario.counties is None:
        return
    key = keys.editor("counties", session.get(keys.COUNTY_EDITOR_VERSION, 0))
    rows = (session.get(key) or {}).get("edited_rows") or {}
    if not rows:
        return
    names = scenario.counties.names
    changes = [(field, value) for position, row in rows.items() for g, value in row.items() if g in GROUPS
               for field in [fields.county_request_fields(scenario, names[int(position)])[GROUPS.index(g)]]]

    def change(s):
        for field, value in changes:
            s = fields.set_value(s, field, 0 if value is None else value)
        return s

    described = "; ".join(f"{field.path[2]}, {field.label.lower()}: {fields.describe(field, fields.get(scenario, field))} → "
                          f"{fields.describe(field, value)}" for field, value in changes)
    state.try_edit(change, "Endringen av anmodningen per fylke", f"Anmodning per fylke: {described}")
    session[keys.COUNTY_EDITOR_VERSION] = session.get(keys.COUNTY_EDITOR_VERSION, 0) + 1


# --------------------------------------------------------------------------- rendering


def _table(scenario: Scenario, plan: Plan) -> None:
    st.subheader("Kommunenes grenser og låser")
    st.caption("Endre en celle, så regnes planen ut på nytt. Kryss av «Låst» for å holde kommunens nåværende tall fast "
               "(skriv gjerne en begrunnelse). Tom celle = ingen grense. Klikk på en kolonneoverskrift for å sortere, "
               "f.eks. etter «Endring fra start» for å se hvem som tok imot. Mer om hver kommune under tabellen.")
    frame = editor_frame(scenario, plan, st.session_state[keys.PREVIOUS_PLAN], state.base_plan())
    inputs = editor_inputs(scenario)
    config = {c: st.column_config.NumberColumn(SHORT_LABELS.get(c, column_label(c)), min_value=0, max_value=MAX_PERSONS, step=1,
                                               format="localized", width=WIDTHS.get(c, 100), help=column_label(c))
              for c in inputs if c not in ("locked", "lock_reason")}
    config.update(
        kommunenummer=st.column_config.TextColumn(column_label("kommunenummer"), disabled=True, width=90),
        kommune=st.column_config.TextColumn(column_label("kommune"), disabled=True, pinned=True, width=108),
        locked=st.column_config.CheckboxColumn("Låst", help="Hold kommunens nåværende tall fast", width=62),
        lock_reason=st.column_config.TextColumn(column_label("lock_reason"), max_chars=200, width="medium"),
        total=st.column_config.NumberColumn("Plan: totalt", disabled=True, format="localized", pinned=True, width=88),
        change=st.column_config.NumberColumn("Endring", disabled=True, format="localized", help="Endring fra forrige plan",
                                             pinned=True, width=72),
        change_start=st.column_config.NumberColumn("Endring fra start", disabled=True, format="localized",
                                                   help="Endring fra planen slik scenarioet ble lastet inn"),
        fair_total=st.column_config.NumberColumn("Rimelig andel", disabled=True, format="localized", step=0.1),
        binding=st.column_config.TextColumn("Begrenset av", disabled=True, width="large", help=HOLDING_HELP),
    )
    # Identifying columns pinned on the left, then what is negotiated; secondary columns last (and in
    # full, wrapped, in «Detaljer for en kommune» below), so at 1366 px all that is edited is in view.
    order = ["kommune", "total", "change", "locked", *[c for c in inputs if c not in ("locked", "lock_reason")],
             "lock_reason", "change_start", "fair_total", "binding", "kommunenummer"]
    st.data_editor(frame, column_config=config, column_order=order, key=editor_key(),
                   width="stretch", height=min(36 * len(frame) + 40, 600), num_rows="fixed", hide_index=True, placeholder="")
    _details(frame)


def _details(frame) -> None:
    """One municipality's secondary columns in full, with «Begrenset av» wrapped."""
    with st.expander("Detaljer for en kommune"):
        numbers = list(frame.index)
        names = dict(zip(numbers, frame["kommune"]))
        chosen = st.selectbox("Kommune", numbers, format_func=lambda n: f"{names[n]} ({n})", key="details_number")
        row = frame.loc[chosen]
        change = row["change_start"]
        lines = [f"**Plan: totalt** {number(row['total'])}; **rimelig andel** {number(row['fair_total'], 1)}",
                 f"**Endring fra start** {'ingen' if pd.isna(change) else signed(change)}",
                 f"**Begrenset av** {row['binding'] or 'ingenting'}"]
        if row["lock_reason"]:
            lines.append(f"**{column_label('lock_reason')}** {row['lock_reason']}")
        st.markdown("\n".join(f"- {line}" for line in lines))


def _request(scenario: Scenario) -> None:
    st.subheader("Anmodning per gruppe")
    counties = scenario.counties
    per_county = counties is not None and counties.split is None
    groups = fields.request_fields(scenario)
    for column, field in zip(st.columns(len(groups)), groups):
        field_input(column, field, help="Summen av fylkenes anmodninger; endre dem i «Anmodning per fylke»." if per_county else None)
    if per_county:
        st.caption("Anmodningen er gitt per fylke: tallene over er summen. Endre et fylke i tabellen under, eller slå på "
                   "«Del anmodningen på fylkene etter nøkkelen» for å gi én anmodning for hele landet.")
    if counties is not None:
        _counties(scenario)


def _counties(scenario: Scenario) -> None:
    """The national controls: the request per county (or split by the key), across borders, the cap."""
    counties = scenario.counties
    st.subheader("Fylkene")
    key = keys.field("counties.split", str(counties.split == "key"), state.refusals())
    st.toggle("Del anmodningen på fylkene etter nøkkelen", value=counties.split == "key", key=key,
              on_change=on_county_split, args=(key,),
              help="På: én anmodning for hele landet, delt på fylkene i forhold til summen av kommunenes nøkkelandeler. "
                   "Av: hvert fylke har sin egen anmodning (tabellen under).")
    frame = pd.DataFrame([{"Fylke": f, **{g: int(counties.requests[f].get(g, 0)) for g in GROUPS}} for f in counties.names])
    frame["Sum"] = frame[list(GROUPS)].sum(axis=1)
    config = {g: st.column_config.NumberColumn(GROUP_LABELS[g], min_value=0, max_value=MAX_PERSONS, step=1, format="localized")
              for g in GROUPS}
    config["Sum"] = st.column_config.NumberColumn("Sum", format="localized", disabled=True)
    config["Fylke"] = st.column_config.TextColumn("Fylke", disabled=True, pinned=True)
    st.markdown("**Anmodning per fylke**")
    st.caption("Delt etter nøkkelen; slå av bryteren over for å endre et fylke." if counties.split == "key"
               else "Endre en celle, så regnes planen ut på nytt.")
    st.data_editor(frame, key=keys.editor("counties", st.session_state.get(keys.COUNTY_EDITOR_VERSION, 0)),
                   column_config=config, hide_index=True, num_rows="fixed", width="stretch",
                   disabled=counties.split == "key")
    left, right = st.columns(2)
    field_input(left, fields.CROSS_BORDER)
    field_input(right, fields.MAX_SHARE, disabled=not counties.cross_border)


def _key(scenario: Scenario) -> None:
    st.subheader("Fordelingsnøkkel")
    single = len(scenario.key) == 1
    for term in scenario.key:
        weight, exponent, credit = fields.key_fields(term.column)
        left, middle, right, remove = st.columns([3, 3, 1, 1], vertical_alignment="bottom")
        field_input(left, weight, disabled=single,
                    help="Med bare én kolonne i nøkkelen betyr vekten ingenting; legg til en kolonne for å vekte."
                    if single else "Fra 0 til 1 000.")
        field_input(middle, exponent, help="Fra 0 til 5. Under 1 gir små kommuner relativt mer.")
        field_input(right, credit, help="«Fradrag» trekker fra (f.eks. bosatt tidligere år).")
        remove.button("Fjern", key=f"key_{term.column}_remove", on_click=on_remove_key_column, args=(term.column,),
                      disabled=single)
    candidates = [c for c in key_candidates(scenario) if c not in {t.column for t in scenario.key}]
    if candidates:
        pick, add = st.columns([3, 1], vertical_alignment="bottom")
        pick.selectbox("Legg til kolonne i nøkkelen", candidates, key="key_new_column", format_func=column_label)
        add.button("Legg til", on_click=on_add_key_column)
    rules = scenario.key_rules
    if rules.active:
        parts = [f"ingen anmodning under {number(rules.min_population)} innbyggere" if rules.min_population else "",
                 f"minst {number(rules.min_persons)} personer til dem som får en" if rules.min_persons else "",
                 f"tall rundet til nærmeste {number(rules.round_to)}" if rules.round_to else ""]
        st.caption("Nøkkelens regler: " + "; ".join(p for p in parts if p) + ".")
    shares = key_shares(scenario)
    names = scenario.table.text("kommune")
    top = int(shares.to_numpy().argmax())
    if scenario.counties is None:
        st.caption(f"Største nøkkelandel: {names[top]} ({number(100 * shares.max(), 1)} % av anmodningen).")
    with st.expander("Detaljer"):
        st.caption("Andel = vekt × (verdi^eksponent / sum over kommunene), normert så andelene summerer til 1; "
                   "med fradrag trekkes leddet fra." + (" Med fylker brukes nøkkelen innenfor hvert fylke." if scenario.counties else ""))


@st.fragment
def view() -> None:
    """The whole view: an edit of the request or the key reruns it, the table with it."""
    apply_county_edits()
    _plan_and_table()
    if st.session_state[keys.PLAN] is not None:
        _request(state.scenario())
        _key(state.scenario())


@st.fragment
def _plan_and_table() -> None:
    """The plan's figures and the table: a fragment inside the view, so an edit in the table reruns
    only this part, and the request and key below (which a table edit cannot change) are neither
    rebuilt on the server nor sent again."""
    apply_table_edits()
    plan = state.current_plan()
    state.show_messages()
    if plan is None:
        return
    summary_strip(plan)
    _table(state.scenario(), plan)
