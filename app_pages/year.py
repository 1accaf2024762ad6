"""Året: requests → decisions → the gap → the second round → a changed need → follow-up per quarter.

Thin: every number comes from allocator (year, round2, revise, planrange, followup, decisions);
this view lays them out and keeps its own widgets' state under keys starting with `year_`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from allocator.labels import number
from allocator.problems import ScenarioError
from allocator.scenario.data import Scenario
from allocator.scenario.write import fingerprint

from . import state
from .common import chart, table

ALL = "Alle fylker"


def _upload(scenario: Scenario) -> None:
    """Read IMDi's list of requests, decisions and settled persons into the working scenario."""
    with st.expander("Les inn IMDis liste over anmodninger, vedtak og bosatte", expanded=not _has_year(scenario)):
        st.caption("CSV eller Excel med kolonnene Fylke, Kommune, Anmodet, Vedtatt, Bosatte (og gjerne Kommunenummer). "
                   "«:» = skjult (under 5), «-» = ingen, «avventer vedtak» = venter.")
        changes = st.session_state.get("year_changes")
        if changes:
            st.markdown("**Endret ved siste innlesing**\n\n" + "\n".join(f"- {line}" for line in changes))
        upload = st.file_uploader("IMDis liste", type=["csv", "xlsx"], key="year_upload", label_visibility="collapsed")
        force = st.checkbox("Erstatt vedtak scenariet alt har", key="year_force")
        if upload is not None and st.button("Les inn listen", key="year_read"):
            from allocator.scenario.decisions import read_decisions

            with tempfile.TemporaryDirectory(prefix="allocator-") as folder:
                path = Path(folder) / Path(upload.name).name
                path.write_bytes(upload.getvalue())
                result: list = []

                def change(s: Scenario) -> Scenario:
                    result.append(read_decisions(s, path, force=force))
                    return result[-1].scenario

                if state.try_edit(change, "Innlesingen av listen"):
                    lines = result[-1].lines()
                    notes = [line for line in lines[1:] if line.startswith("Merk:")]
                    st.session_state.notice = "\n\n".join([lines[0], *notes])
                    st.session_state.year_changes = [line for line in lines[1:] if not line.startswith("Merk:")]
            st.rerun()  # the whole page: every view follows the new figures


def _without_blank_county(frame):
    """A scenario without counties has no «Fylke» to show."""
    if "Fylke" in frame.columns and not frame["Fylke"].astype(str).str.strip().any():
        return frame.drop(columns=["Fylke"])
    return frame


def _has_year(scenario: Scenario) -> bool:
    from allocator.scenario.yeardata import year_data

    try:
        return year_data(scenario).present
    except ScenarioError:
        return True  # the view shows what is wrong


@st.cache_resource(max_entries=20, show_spinner=False)
def _status_figure(statuses: tuple):
    """The statuses on the map, kept between reruns and sessions (the map is the slowest part)."""
    from allocator.present.yearmap import status_map

    return status_map(dict(statuses))


def _status(year, fylke: str | None) -> None:
    from allocator.present.yearmap import STATUS_COLOURS
    from allocator.present.yearviews import county_frame, status_frame

    t = next((c for c in year.counties if c["fylke"] == fylke), year.total) if fylke else year.total
    columns = st.columns(5)
    columns[0].metric("Anmodet", number(t["anmodning"]))
    columns[1].metric("Vedtatt", number(t["vedtak"]))
    columns[2].metric("Venter på vedtak", number(t["avventer"]))
    columns[3].metric("Gap", number(t["gap"]), help="Anmodet − vedtatt; et vedtak som venter regnes som anmodningen.")
    columns[4].metric("Bosatt så langt", number(t["bosatt"]))
    st.markdown("**Gapet per fylke**")
    table(county_frame(year, fylke))
    frame = _without_blank_county(status_frame(year, fylke))
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Vedtakene**")
        numbers = [c for c in ("Anmodet", "Vedtatt", "Bosatt", "Kan ta flere") if c in frame.columns]
        styled = (frame.style.map(lambda s: f"background-color: {STATUS_COLOURS.get(s, '')}; color: white", subset=["Status"])
                  .format(lambda v: "" if v is None or v != v else number(v), subset=numbers))
        st.dataframe(styled, width="stretch", hide_index=True, height=420, placeholder="")
    with right:
        figure = _status_figure(tuple(zip(frame["Kommunenr."], frame["Status"])))
        if figure is not None:
            chart(figure)


def _take_round2_edits(fixed: dict) -> None:
    """Numbers typed into the table since the last run become numbers set by hand (read at the
    start of the run, as the negotiation table does); the table then starts afresh under a new key."""
    session = st.session_state
    version = session.get("year_round2_version", 0)
    edited = (session.get(f"year_round2_{version}") or {}).get("edited_rows") or {}
    shown = session.get("year_round2_rows", [])
    changed = False
    for position, values in edited.items():
        value = values.get("Tilleggsanmodning")
        if int(position) < len(shown) and value is not None:
            fixed[shown[int(position)]] = max(0, int(value))
            changed = True
    if changed:
        session.year_round2_version = version + 1


def _clear_fixed(key: str) -> None:
    st.session_state[key] = {}
    st.session_state.year_round2_version = st.session_state.get("year_round2_version", 0) + 1


def _round2(scenario: Scenario, fylke: str | None) -> None:
    from allocator.analysis.round2 import round2
    from allocator.output.year_export import round2_frame, round2_workbook_bytes

    st.subheader("Andre runde: tilleggsanmodning")
    st.caption("Først kommuner som har sagt at de kan ta flere, så andre som har vedtatt minst anmodningen, etter nøkkelens "
               "rimelige andeler og innen grensene. Endre «Tilleggsanmodning» for å sette et tall selv; resten fordeles på nytt.")
    key = f"year_fixed_{fingerprint(scenario)}"
    fixed = st.session_state.setdefault(key, {})
    _take_round2_edits(fixed)
    result = round2(scenario, fixed=fixed)
    st.markdown(f"Gap {number(result.gap)} (av dem {number(result.gap_minors)} enslige mindreårige): "
                f"**{number(result.placed)} spurt**, {number(result.unplaced)} ikke plassert."
                + (f" {len(fixed)} tall er satt for hånd." if fixed else ""))
    if result.unplaced:
        st.warning(result.why_unplaced())
    frame = round2_frame(result)
    if fylke:
        frame = frame[frame["Fylke"] == fylke].reset_index(drop=True)
    if not len(frame) and not fixed:
        st.info("Ingen kommune får en tilleggsanmodning.")
        return
    st.session_state.year_round2_rows = list(frame["Kommunenr."])
    st.data_editor(frame, key=f"year_round2_{st.session_state.get('year_round2_version', 0)}", hide_index=True, width="stretch",
                   disabled=[c for c in frame.columns if c != "Tilleggsanmodning"],
                   column_config={"Tilleggsanmodning": st.column_config.NumberColumn(min_value=0, step=1, format="%d")})
    left, right = st.columns(2)
    left.download_button("Last ned tilleggsanmodningene (Excel)", lambda: round2_workbook_bytes(result),
                         file_name="tilleggsanmodning.xlsx", on_click="ignore", key="year_round2_xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fixed:
        right.button("Fjern tall satt for hånd", key="year_round2_reset", on_click=_clear_fixed, args=(key,))


def _revise(scenario: Scenario, fylke: str | None) -> None:
    from allocator.analysis.revise import revise
    from allocator.analysis.year import year_state
    from allocator.present.yearviews import revise_frame

    st.subheader("Endret behov")
    now = year_state(scenario).total
    current = int(now["vedtak"] + now["avventer"])
    total = st.number_input("Nytt nasjonalt behov (personer)", min_value=0, value=current, step=100, key="year_revise_total")
    revision = revise(scenario, int(total), fylke=fylke)
    st.markdown("\n".join(f"- {line}" for line in revision.lines()[:1] + revision.reasons))
    table(_without_blank_county(revise_frame(revision)), height=360)


def _followup(scenario: Scenario, fylke: str | None) -> None:
    from allocator.analysis.followup import followup
    from allocator.present.yearviews import followup_frame

    st.subheader("Oppfølging per kvartal")
    result = followup(scenario)
    frame = followup_frame(result, fylke)
    behind = frame[frame["Bak (−) / foran"] < 0]
    st.markdown("\n".join(f"- {line}" for line in result.lines()[:2]))
    if len(behind):
        st.markdown(f"**{len(behind)} kommuner ligger bak planen**")
        table(_without_blank_county(behind.sort_values("Bak (−) / foran").head(30)))
    with st.expander("Alle kommuner"):
        table(_without_blank_county(frame))


def _range(scenario: Scenario, fylke: str | None) -> None:
    from allocator.analysis.planrange import plan_range
    from allocator.present.yearviews import range_frame

    st.subheader("Planleggingsspenn")
    st.caption("Hver kommunes tall ved lavt, planlagt og høyt behov (UDIs prognose); tallet faller aldri når behovet øker.")
    plan = scenario.total_request
    columns = st.columns(3)
    low = columns[0].number_input("Lav", min_value=0, value=int(plan * 0.8), step=100, key="year_range_low")
    middle = columns[1].number_input("Plan", min_value=0, value=int(plan), step=100, key="year_range_plan")
    high = columns[2].number_input("Høy", min_value=0, value=int(plan * 1.2), step=100, key="year_range_high")
    if not low <= middle <= high:
        st.warning("Lav må være høyst plan, og plan høyst høy.")
        return
    try:
        result = plan_range(scenario, int(low), int(middle), int(high))
    except ScenarioError as exc:
        st.error("\n".join(exc.lines(5)))
        return
    table(_without_blank_county(range_frame(result, fylke)), height=360)


@st.fragment
def view() -> None:
    scenario = st.session_state.scenario
    state.show_messages(with_plan=False)
    _upload(scenario)
    if not _has_year(scenario):
        st.info("Scenariet har ingen tall for året ennå. Les inn IMDis liste over, eller lag et scenario for 2024 "
                "(«Nytt scenario for fylke …») for å spille av det virkelige året.")
        _range(scenario, None)
        return
    from allocator.analysis.year import year_state

    try:
        year = year_state(scenario)
    except ScenarioError as exc:
        st.error("\n".join(exc.lines(10)))
        return
    counties = [c["fylke"] for c in year.counties if c["fylke"]]
    fylke = None
    if len(counties) > 1:
        chosen = st.selectbox("Vis", [ALL, *counties], key="year_fylke")
        fylke = None if chosen == ALL else chosen
    parts = {"Vedtak og gap": lambda: _status(year, fylke), "Andre runde": lambda: _round2(scenario, fylke),
             "Endret behov": lambda: _revise(scenario, fylke), "Planleggingsspenn": lambda: _range(scenario, fylke),
             "Oppfølging": lambda: _followup(scenario, fylke)}
    chosen = st.segmented_control("Del av året", list(parts), default="Vedtak og gap", key="year_part")
    parts[chosen or "Vedtak og gap"]()  # only the part on screen is computed
