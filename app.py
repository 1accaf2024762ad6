"""Bosetting i fylket: the negotiation app.

Thin by design: session state → allocator (edits, solve, views) → render. Every rule and number
comes from `allocator/`; this file only decides where things go on the screen. Each browser
session has its own working scenario in `st.session_state`; saved scenarios are shared on disk.
"""

from __future__ import annotations

import streamlit as st

from allocator import edits, store
from allocator.charts import allocation_chart, difference_chart, quarter_chart
from allocator.compare import fairness_table, totals_side_by_side
from allocator.export import plan_csv_bytes, plan_workbook_bytes
from allocator.key import key_candidates, key_shares
from allocator.labels import COLUMN_LABELS, GROUP_LABELS, number
from allocator.plan import Plan
from allocator.scenario import BASELINE_PATTERNS, GROUPS, QUARTERS, Incentives, KeyTerm, Quarters, Scenario, fingerprint
from allocator.solve import SolveError, solve
from allocator.upload import scenario_from_uploads
from allocator.catalog import COUNTY_NAMES, NATIONAL, YEARS, CatalogError, scenario_files
from allocator.validate import ScenarioError
from allocator.views import (
    DATED_INPUTS,
    EDITOR_INPUTS,
    apply_editor_edits,
    apply_readiness_edits,
    apply_schedule_edits,
    dated_frame,
    economics_view,
    editor_frame,
    plan_view,
    readiness_frame,
    schedule_frame,
    summary_view,
    timeliness_view,
)

APP_TIME_LIMIT = 10.0
CURRENT = "Gjeldende scenario (ulagret)"


# --------------------------------------------------------------------------- solving


@st.cache_resource(max_entries=200, show_spinner=False)
def _solve_cached(scenario_fingerprint: str, _scenario: Scenario) -> Plan:
    """Plans are shared between sessions by fingerprint: equal inputs, the same plan.
    (Streamlit hashes only the fingerprint; the leading underscore keeps it off the scenario.)"""
    return solve(_scenario, time_limit=APP_TIME_LIMIT)


def plan_for(scenario: Scenario) -> Plan:
    return _solve_cached(fingerprint(scenario), scenario)


# --------------------------------------------------------------------------- session state


def _widget_state_from(scenario: Scenario) -> None:
    """Point the request and key widgets at a newly loaded scenario (allowed in callbacks only)."""
    for g in GROUPS:
        st.session_state[f"req_{g}"] = int(scenario.request[g])
    for term in scenario.key:
        st.session_state[f"key_{term.column}_weight"] = float(term.weight)
        st.session_state[f"key_{term.column}_exponent"] = float(term.exponent)
        st.session_state[f"key_{term.column}_credit"] = bool(term.credit)
    quarters = scenario.quarters or Quarters.evenly(scenario.request)
    for g in GROUPS:
        st.session_state[f"q_deadline_{g}"] = int(quarters.deadline[g])
    st.session_state.q_weight = float(quarters.timeliness_weight)
    st.session_state.q_baseline = quarters.baseline if isinstance(quarters.baseline, str) else "even"
    incentives = scenario.incentives
    for q in QUARTERS:
        st.session_state[f"inc_bonus_{q}"] = int(incentives.bonus[q - 1])
    st.session_state.inc_threshold = float(incentives.q4_threshold)
    st.session_state.inc_deduction = int(incentives.q4_deduction)


def _load(scenario: Scenario, message: str | None = None) -> None:
    st.session_state.base = scenario
    st.session_state.scenario = scenario
    st.session_state.previous_plan = None
    st.session_state.plan = None
    st.session_state.editor_version = st.session_state.get("editor_version", 0) + 1
    _widget_state_from(scenario)
    if message:
        st.session_state.notice = message


def _init_state() -> None:
    if "scenario" not in st.session_state:
        default = store.list_scenarios()[0]
        st.session_state.choice = default.label
        st.session_state.notice = None
        st.session_state.edit_error = None
        _load(store.load_stored(default))


def _find_stored(label: str) -> store.StoredScenario | None:
    """A scenario by its label; None when it is gone (another user may have replaced it)."""
    return next((s for s in store.list_scenarios() if s.label == label), None)


def _on_choose() -> None:
    chosen = _find_stored(st.session_state.choice)
    if chosen is None:
        st.session_state.edit_error = f"Fant ikke «{st.session_state.choice}» lenger; velg et annet scenario."
        return
    try:
        _load(store.load_stored(chosen), f"Lastet inn «{chosen.name}».")
    except ScenarioError as exc:
        st.session_state.edit_error = f"Kunne ikke laste «{chosen.name}»:\n\n" + _bullets(exc)


def _on_upload() -> None:
    files = st.session_state.get("upload") or []
    try:
        scenario = scenario_from_uploads({f.name: f.getvalue() for f in files})
    except ScenarioError as exc:
        st.session_state.edit_error = "Opplastingen ble ikke lastet inn; det du hadde er beholdt.\n\n" + _bullets(exc)
        return
    _load(scenario, f"Lastet inn «{scenario.name}» fra opplastede filer.")


def _on_new_county() -> None:
    fylke, year = st.session_state.new_county, int(st.session_state.new_year)
    try:
        settings, rows = scenario_files(fylke, year)
        scenario = scenario_from_uploads({"scenario.toml": settings.encode("utf-8"), "municipalities.csv": rows.encode("utf-8")})
    except (CatalogError, ScenarioError) as exc:
        st.session_state.edit_error = f"Kunne ikke lage scenario for {fylke} {year}: {exc}"
        return
    _load(scenario, f"Laget «{scenario.name}» fra offentlige tall (IMDi, SSB); boliger og plasser er illustrative.")


def _on_reset() -> None:
    _load(st.session_state.base, "Tilbakestilt til scenarioet slik det ble lastet inn.")


def _on_save() -> None:
    name = (st.session_state.get("save_name") or "").strip()
    try:
        saved = store.save_named(st.session_state.scenario, name)
    except ValueError as exc:
        st.session_state.edit_error = f"Ikke lagret: {exc}"
        return
    st.session_state.notice = f"Lagret som «{saved.name}». Alle brukere av denne serveren ser det under Scenario."


def _on_add_key_column() -> None:
    column = st.session_state.get("key_new_column")
    scenario = st.session_state.scenario
    if column and column not in {t.column for t in scenario.key}:
        _try_edit(lambda s: edits.set_key(s, (*s.key, KeyTerm(column, 0.0))))
        _widget_state_from(st.session_state.scenario)


def _remove_key_column(column: str) -> None:
    _try_edit(lambda s: edits.set_key(s, tuple(t for t in s.key if t.column != column)))
    _widget_state_from(st.session_state.scenario)


def _on_quarters_on() -> None:
    _try_edit(lambda s: edits.set_quarters(s, Quarters.evenly(s.request)))


def _on_quarters_off() -> None:
    _try_edit(lambda s: edits.set_quarters(s, None))


def _on_quarter_settings() -> None:
    """Deadlines, timeliness weight, comparison pattern and incentives from the settings form."""
    state = st.session_state

    def change(s: Scenario) -> Scenario:
        quarters = Quarters(
            ready=s.quarters.ready,
            deadline={g: int(state[f"q_deadline_{g}"]) for g in GROUPS},
            timeliness_weight=float(state.q_weight),
            baseline=state.q_baseline,
        )
        incentives = Incentives(
            bonus=tuple(float(state[f"inc_bonus_{q}"]) for q in QUARTERS),
            q4_threshold=float(state.inc_threshold),
            q4_deduction=float(state.inc_deduction),
            grant=s.incentives.grant,
        )
        return edits.set_incentives(edits.set_quarters(s, quarters), incentives)

    _try_edit(change)


def _bullets(exc: ScenarioError) -> str:
    return "\n".join(f"- {problem}" for problem in exc.problems)


def _try_edit(change) -> bool:
    """Apply one edit; on a broken rule keep the scenario as it was and say why."""
    try:
        st.session_state.scenario = change(st.session_state.scenario)
    except ScenarioError as exc:
        st.session_state.edit_error = "Endringen ble ikke gjort:\n\n" + _bullets(exc)
        return False
    return True


def _apply_widget_edits() -> None:
    """Fold this run's widget values (request, key, table) into the working scenario."""
    scenario: Scenario = st.session_state.scenario
    request = {g: int(st.session_state.get(f"req_{g}", scenario.request[g])) for g in GROUPS}
    if request != dict(scenario.request):
        _try_edit(lambda s: edits.set_request(s, request))
    key = tuple(
        KeyTerm(
            t.column,
            float(st.session_state.get(f"key_{t.column}_weight", t.weight)),
            float(st.session_state.get(f"key_{t.column}_exponent", t.exponent)),
            bool(st.session_state.get(f"key_{t.column}_credit", t.credit)),
        )
        for t in st.session_state.scenario.key
    )
    if key != st.session_state.scenario.key:
        _try_edit(lambda s: edits.set_key(s, key))
    plan = st.session_state.plan
    if plan is None:
        return
    editors = {
        "editor": lambda s, rows: apply_editor_edits(s, plan, st.session_state.base, editor_frame(s, plan), rows),
        "dated": lambda s, rows: edits.set_municipality_values(s, {
            dated_frame(s).index[int(p)]: {c: v for c, v in row.items() if c in DATED_INPUTS} for p, row in rows.items()}),
        "ready": apply_readiness_edits,
        "schedule": lambda s, rows: apply_schedule_edits(s, plan, schedule_frame(plan), rows),
    }
    version = st.session_state.editor_version
    for name, apply in editors.items():
        edited = (st.session_state.get(f"{name}_{version}") or {}).get("edited_rows") or {}
        if edited:
            _try_edit(lambda s: apply(s, edited))
            st.session_state.editor_version = version + 1  # fresh editors show the new plan


def _update_plan() -> None:
    """Solve the working scenario; on failure keep the last good plan on screen."""
    st.session_state.solve_error = None
    try:
        plan = plan_for(st.session_state.scenario)
    except (ScenarioError, SolveError) as exc:
        detail = _bullets(exc) if isinstance(exc, ScenarioError) else str(exc)
        st.session_state.solve_error = "Ingen ny plan kunne lages; viser siste gyldige plan.\n\n" + detail
        return
    if st.session_state.plan is not None and fingerprint(st.session_state.plan.scenario) != fingerprint(plan.scenario):
        st.session_state.previous_plan = st.session_state.plan
    st.session_state.plan = plan


# --------------------------------------------------------------------------- rendering


def _sidebar() -> None:
    with st.sidebar:
        st.header("Scenario")
        labels = [s.label for s in store.list_scenarios()]
        if st.session_state.choice not in labels:
            labels.append(st.session_state.choice)
        st.selectbox("Velg scenario", labels, key="choice", on_change=_on_choose)
        st.button("Tilbakestill endringer", on_click=_on_reset, width="stretch",
                  help="Går tilbake til scenarioet slik det ble lastet inn.")
        with st.expander("Nytt scenario for fylke …"):
            st.selectbox("Fylke", [*COUNTY_NAMES, NATIONAL], key="new_county",
                         help="Norge = alle 357 kommuner med hvert fylkes anmodning.")
            st.selectbox("År", YEARS, index=len(YEARS) - 1, key="new_year")
            st.button("Lag scenario", on_click=_on_new_county, width="stretch")
        with st.expander("Last opp scenario"):
            st.file_uploader(
                "scenario.toml og municipalities.csv, eller én Excel-arbeidsbok",
                type=["toml", "csv", "xlsx"], accept_multiple_files=True, key="upload",
            )
            st.button("Last inn filene", on_click=_on_upload, width="stretch")
        with st.expander("Lagre scenario", expanded=False):
            st.text_input("Navn", key="save_name", placeholder="f.eks. Vestland – forslag etter møte 1")
            st.button("Lagre for alle brukere", on_click=_on_save, width="stretch")
        st.caption("Kilde: IMDi, SSB. Boliger og plasser i eksemplene er illustrative.")


def _summary_strip(plan: Plan) -> None:
    columns = st.columns(len(GROUPS) + 1)
    for column, g in zip(columns, (*GROUPS, "total")):
        requested = plan.scenario.total_request if g == "total" else plan.scenario.request[g]
        settled = sum(plan.settled.values()) if g == "total" else plan.settled[g]
        short = requested - settled
        if short:
            column.metric(GROUP_LABELS[g], number(settled), delta=f"−{number(short)} av {number(requested)} kan ikke bosettes",
                          delta_color="normal")
        else:
            column.metric(GROUP_LABELS[g], number(settled), delta=f"hele anmodningen på {number(requested)}",
                          delta_color="off", delta_arrow="off")


def _request_and_key(scenario: Scenario) -> None:
    st.subheader("Anmodning per gruppe")
    for column, g in zip(st.columns(len(GROUPS)), GROUPS):
        column.number_input(GROUP_LABELS[g], min_value=0, step=1, key=f"req_{g}")
    st.subheader("Fordelingsnøkkel")
    st.caption(
        "Andel = vekt × (verdi^eksponent / sum over kommunene). Eksponent under 1 gir små kommuner "
        "relativt mer. «Fradrag» trekker fra (f.eks. bosatt tidligere år)."
    )
    for term in scenario.key:
        weight, exponent, credit, remove = st.columns([3, 3, 1, 1])
        weight.slider(f"Vekt: {term.column}", 0.0, 3.0, step=0.05, key=f"key_{term.column}_weight")
        exponent.slider(f"Eksponent: {term.column}", 0.0, 1.5, step=0.05, key=f"key_{term.column}_exponent")
        credit.checkbox("Fradrag", key=f"key_{term.column}_credit")
        remove.button("Fjern", key=f"key_{term.column}_remove", on_click=_remove_key_column, args=(term.column,),
                      disabled=len(scenario.key) == 1)
    candidates = [c for c in key_candidates(scenario) if c not in {t.column for t in scenario.key}]
    if candidates:
        pick, add = st.columns([3, 1])
        pick.selectbox("Legg til kolonne i nøkkelen", candidates, key="key_new_column")
        add.button("Legg til", on_click=_on_add_key_column)


def _editor(scenario: Scenario, plan: Plan) -> None:
    st.subheader("Kommunenes grenser og låser")
    st.caption(
        "Endre en celle, så regnes planen ut på nytt. Kryss av «Låst» for å holde kommunens nåværende tall "
        "fast (skriv gjerne begrunnelse). Tom celle (vises som None) = ingen grense."
    )
    frame = editor_frame(scenario, plan, st.session_state.previous_plan)
    config = {c: st.column_config.NumberColumn(COLUMN_LABELS[c], min_value=0, step=1, format="%d")
              for c in EDITOR_INPUTS if c not in ("locked", "lock_reason")}
    config.update(
        kommune=st.column_config.TextColumn(COLUMN_LABELS["kommune"], disabled=True),
        locked=st.column_config.CheckboxColumn(COLUMN_LABELS["locked"]),
        lock_reason=st.column_config.TextColumn(COLUMN_LABELS["lock_reason"], max_chars=200),
        total=st.column_config.NumberColumn("Plan: totalt", disabled=True),
        change=st.column_config.NumberColumn("Endring", disabled=True, format="%+d"),
        fair_total=st.column_config.NumberColumn("Rimelig andel", disabled=True, format="%.1f"),
        binding=st.column_config.TextColumn("Begrenset av", disabled=True, width="medium"),
    )
    config["_index"] = st.column_config.TextColumn(COLUMN_LABELS["kommunenummer"])
    config["kommune"] = st.column_config.TextColumn(COLUMN_LABELS["kommune"], disabled=True, pinned=True)
    order = ["kommune", "total", "change", "fair_total", "binding", *EDITOR_INPUTS]
    st.data_editor(frame, column_config=config, column_order=order, key=f"editor_{st.session_state.editor_version}",
                   width="stretch", height=min(38 * len(frame) + 40, 720), num_rows="fixed")


def _localized(frame) -> dict:
    """Numbers in the reader's own format (1 474 and 3,5 in a Norwegian browser)."""
    return {c: st.column_config.NumberColumn(format="localized") for c in frame.columns if frame[c].dtype.kind in "if"}


def _plan_tab(plan: Plan) -> None:
    view = plan_view(plan, st.session_state.previous_plan)
    st.dataframe(view, width="stretch", height=min(36 * len(plan.allocation) + 40, 720), column_config=_localized(view))
    st.plotly_chart(allocation_chart(plan, top=60), width="stretch")
    st.dataframe(summary_view(plan), width="stretch")
    if plan.has_counties:
        from allocator.views import county_view, flow_view

        st.markdown("**Fylkene**")
        counties = county_view(plan)
        st.dataframe(counties, width="stretch", hide_index=True, column_config=_localized(counties))
        if plan.flows:
            st.markdown("**Bosatt på tvers av fylkesgrenser**")
            st.dataframe(flow_view(plan), width="stretch", hide_index=True)
        elif plan.placeable_across_borders:
            st.info(f"Med bosetting på tvers av fylkesgrenser kunne {number(plan.placeable_across_borders)} flere personer blitt bosatt.")
    st.caption(f"Løst med {plan.solver} på {number(plan.solve_seconds * 1000)} ms.")


def _map_tab(plan: Plan) -> None:
    try:
        from allocator.mapview import municipality_map
    except ImportError:
        municipality_map = None
    table = plan.municipality_table()
    figure = municipality_map(table["per_1000"], "Personer per 1 000 innbyggere") if municipality_map else None
    if figure is None:
        st.info("Kartet er ikke tilgjengelig på denne maskinen; tabellene viser de samme tallene.")
    else:
        st.plotly_chart(figure, width="stretch")


def _compare_tab() -> None:
    options = [CURRENT] + [s.label for s in store.list_scenarios()]
    chosen = st.multiselect("Scenarioer å sammenligne (det første er referansen)", options,
                            default=[CURRENT], key="compare_choice")
    plans: dict[str, Plan] = {}
    for label in chosen:
        try:
            if label == CURRENT:
                plans[label] = st.session_state.plan
            else:
                stored = _find_stored(label)
                if stored is None:
                    st.warning(f"«{label}» finnes ikke lenger.")
                    continue
                plans[label] = plan_for(store.load_stored(stored))
        except (ScenarioError, SolveError) as exc:
            st.warning(f"«{label}» kan ikke sammenlignes: {exc}")
    if len(plans) < 2:
        st.info("Velg minst to scenarioer. Lagre gjeldende scenario i sidepanelet for å sammenligne varianter.")
        return
    figures = fairness_table(plans).rename(columns={
        "settled": "Fordelt", "shortfall": "Underskudd", "max_deviation": "Største avvik (gruppe)",
        "max_total_deviation": "Største avvik (totalt)", "max_per_1000": "Høyeste per 1 000",
        "min_per_1000": "Laveste per 1 000", "at_limit": "Kommuner ved en grense",
    })
    st.dataframe(figures.round(2), width="stretch")
    side = totals_side_by_side(plans)
    st.dataframe(side, width="stretch", height=min(36 * len(side) + 40, 600))
    for column in [c for c in side.columns if c.startswith("diff: ")]:
        st.plotly_chart(difference_chart(side, column), width="stretch")


def _quarter_tab(scenario: Scenario, plan: Plan) -> None:
    if scenario.quarters is None or plan.schedule is None:
        st.info("Scenarioet har ingen kvartalsplan. Med kvartalsplan fordeles hver kommunes årstall på "
                "kvartaler: tidlig bosetting, 3- og 6-månedersmålene og KS-ideen om bonus og trekk.")
        st.button("Lag kvartalsplan (klare personer jevnt fordelt over året)", on_click=_on_quarters_on)
        return
    value = plan.schedule.value_of_agreement()
    saved, late = value["waiting_person_months_saved"], value["late_optimised"]
    left, middle, right = st.columns(3)
    left.metric("Ventetid spart mot vanlig mønster", f"{number(saved)} personmåneder")
    middle.metric("Bosatt etter fristen", number(late), delta=f"{number(late - value['late_baseline'])} mot vanlig mønster",
                  delta_color="inverse")
    right.metric("Bonus − trekk (fylket)", f"{number(value['bonus_optimised'] - value['deduction_optimised'])} kr",
                 delta=f"{number(value['bonus_optimised'] - value['deduction_optimised'] - value['bonus_baseline'] + value['deduction_baseline'])} kr mot vanlig mønster")
    st.plotly_chart(quarter_chart(plan), width="stretch")
    st.dataframe(timeliness_view(plan), width="stretch")
    if plan.schedule.moved_from_fair is not None and (plan.schedule.moved_from_fair["moved"] != 0).any():
        moved = plan.schedule.moved_from_fair
        st.warning("Tidlig bosetting veier tyngre enn rettferdig årsfordeling i dette scenarioet. "
                   "Disse kommunene får et annet årstall enn den rettferdige fordelingen:")
        st.dataframe(moved[moved["moved"] != 0].rename(columns={
            "fair_first": "Rettferdig fordeling", "with_timeliness": "Med vekt på tid", "moved": "Flyttet"}))

    st.subheader("Kvartalsplan per kommune")
    st.caption("Kryss av «Låst» for å holde kommunens kvartalstall fast (også årstallet).")
    version = st.session_state.editor_version
    st.data_editor(schedule_frame(plan), key=f"schedule_{version}", width="stretch", num_rows="fixed",
                   disabled=["kommune", "K1", "K2", "K3", "K4", "År"],
                   column_config={"schedule_locked": st.column_config.CheckboxColumn("Låst"),
                                  "kommune": st.column_config.TextColumn("Kommune")})
    with st.expander("Økonomi per kommune (kr)"):
        economics = economics_view(plan)
        st.dataframe(economics, width="stretch", column_config=_localized(economics))

    st.subheader("Forutsetninger")
    st.caption("Personer som blir klare for bosetting (vedtak om opphold) per kvartal; hver rad må summere til anmodningen.")
    st.data_editor(readiness_frame(scenario), key=f"ready_{version}", disabled=["Sum"], num_rows="fixed")
    st.caption("Boliger og plasser som kommer til i K2–K4 (det som ikke er datert, finnes fra K1).")
    st.data_editor(dated_frame(scenario), key=f"dated_{version}", disabled=["kommune"], num_rows="fixed", width="stretch",
                   column_config={c: st.column_config.NumberColumn(c, min_value=0, step=1, format="%d") for c in DATED_INPUTS})
    with st.form("quarter_settings"):
        st.markdown("**Frister, vekting og insentiver**")
        for column, g in zip(st.columns(len(GROUPS)), GROUPS):
            column.number_input(f"Frist (kvartaler): {GROUP_LABELS[g].lower()}", min_value=0, max_value=4, step=1, key=f"q_deadline_{g}")
        st.slider("Vekt på tidlig bosetting mot rettferdig årsfordeling", 0.0, 2.0, step=0.1, key="q_weight",
                  help="0 = årsfordelingen er den rettferdige. Med vekt w flyttes én person til en annen kommune "
                       "bare når det sparer minst 1/w personkvartaler ventetid (w = 0,5: minst to).")
        st.selectbox("Sammenlign med", list(BASELINE_PATTERNS), key="q_baseline",
                     format_func={"even": "jevn bosetting (25 % per kvartal)", "backloaded": "bosetting mot slutten av året (10/20/30/40 %)"}.get)
        for column, q in zip(st.columns(len(QUARTERS)), QUARTERS):
            column.number_input(f"Bonus per person i K{q} (kr)", min_value=0, step=5000, key=f"inc_bonus_{q}")
        threshold, deduction = st.columns(2)
        threshold.slider("Trekk når andelen bosatt i K4 er over", 0.0, 1.0, step=0.05, key="inc_threshold")
        deduction.number_input("Trekk per person over grensen (kr)", min_value=0, step=5000, key="inc_deduction")
        st.form_submit_button("Oppdater kvartalsplanen", on_click=_on_quarter_settings)
    st.button("Fjern kvartalsplanen", on_click=_on_quarters_off)


def _default_range(total: int) -> tuple[int, int, int]:
    """About 15 totals from half the request to three times it, in round steps."""
    start, stop = max(0, total // 2), max(10, 3 * total)
    raw = max(1, (stop - start) // 14)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 10**9) if s >= raw)
    start -= start % step
    return start, start + 14 * step, step


def _whatif_tab(scenario: Scenario, plan: Plan) -> None:
    from allocator.charts import sweep_chart
    from allocator.sweep import sweep, sweep_tables

    st.subheader("Hva om behovet endres?")
    st.caption("Planen lages på nytt for hver total. Hver gruppe (og hvert fylke) skaleres i samme forhold som i dag, "
               "i hele personer. Kvartalsplanen er ikke med.")
    start, stop, step = _default_range(scenario.total_request)
    left, middle, right = st.columns(3)
    first = left.number_input("Fra (personer)", min_value=0, value=start, step=step, key="sweep_from")
    last = middle.number_input("Til (personer)", min_value=0, value=stop, step=step, key="sweep_to")
    every = right.number_input("Steg", min_value=1, value=step, step=step, key="sweep_step")
    totals = list(range(int(first), int(last) + 1, int(every)))
    if len(totals) > 60:
        st.warning(f"{len(totals)} punkter er mange; øk steget (høyst 60).")
    elif st.button(f"Planlegg for {len(totals)} totaler", key="sweep_run", disabled=not totals):
        bar = st.progress(0.0, text="Planlegger …")
        points = sweep(scenario, totals, progress=lambda done, count: bar.progress(done / count, text=f"{done} av {count} totaler"),
                       start_method="spawn")
        bar.empty()
        st.session_state.sweep_result = (fingerprint(scenario), points)
    result = st.session_state.get("sweep_result")
    if result and result[0] == fingerprint(scenario):
        points = result[1]
        st.plotly_chart(sweep_chart(points, scenario.total_request), width="stretch")
        table, counties, first_out = sweep_tables(points)
        st.dataframe(table, width="stretch", hide_index=True, column_config=_localized(table))
        if len(first_out):
            st.markdown("**Hva går først tom** (den laveste totalen der grensen holder igjen en kommune)")
            st.dataframe(first_out, width="stretch", hide_index=True)
        if len(counties):
            chosen = st.selectbox("Fylkene ved total", [p.total for p in points if not p.error], format_func=number, key="sweep_point")
            shown = counties[counties["Total"] == chosen].drop(columns=["Total"])
            st.dataframe(shown, width="stretch", hide_index=True, column_config=_localized(shown))
    _consistency_section(plan)


def _consistency_section(plan: Plan) -> None:
    from allocator.consistency import PEER_KEYS, consistency

    available = [key for key in PEER_KEYS if key in plan.scenario.table]
    if not available or "fylke" not in plan.scenario.table:
        return
    st.subheader("Behandles like kommuner likt?")
    by = st.radio("Sammenlign kommuner etter", available, format_func=PEER_KEYS.get, horizontal=True, key="consistency_by")
    result = consistency(plan, by)
    counties = sorted({c for row in result["groups"] for c in row["by_county"]})
    table = [{"Gruppe": row["group"], "Kommuner": row["municipalities"], "Median per 1 000": row["median_per_1000"],
              **{c: row["by_county"].get(c) for c in counties}} for row in result["groups"]]
    st.caption("Personer per 1 000 innbyggere i planen: medianen i hver gruppe av like kommuner, i hele landet og per fylke.")
    st.dataframe(table, width="stretch", hide_index=True)
    if result["flagged"]:
        st.markdown(f"**{len(result['flagged'])} kommuner ligger langt fra gruppen sin** (over dobbelt eller under halvparten av medianen):")
        st.markdown("\n".join(f"- {f['text']}" for f in result["flagged"][:40]))
    else:
        st.success("Ingen kommuner ligger over dobbelt eller under halvparten av medianen i gruppen sin.")


def _export_tab(plan: Plan) -> None:
    stem = store.slugify(plan.scenario.name) or "plan"
    st.write("Planen med sammendrag, forutsetninger, nøkkel og låser med begrunnelse. "
             "Excel-filen kan lastes opp igjen og gir samme plan.")
    left, right = st.columns(2)
    left.download_button("Last ned Excel (.xlsx)", plan_workbook_bytes(plan), file_name=f"{stem}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", width="stretch")
    right.download_button("Last ned CSV", plan_csv_bytes(plan), file_name=f"{stem}.csv", mime="text/csv",
                          width="stretch")


def main() -> None:
    st.set_page_config(page_title="Bosetting i fylket", page_icon="🏠", layout="wide")
    _init_state()
    _apply_widget_edits()
    _update_plan()
    _sidebar()

    scenario: Scenario = st.session_state.scenario
    plan: Plan | None = st.session_state.plan
    st.title(f"Bosetting: {scenario.name}")
    with st.container():  # always there, so a message coming or going does not reset the open tab
        for kind in ("notice",):
            if st.session_state.get(kind):
                st.success(st.session_state[kind])
                st.session_state[kind] = None
        if st.session_state.get("edit_error"):
            st.error(st.session_state.edit_error)
            st.session_state.edit_error = None
        if st.session_state.solve_error:
            st.error(st.session_state.solve_error)
    if plan is None:
        st.stop()
    if scenario.description:
        with st.expander("Om scenarioet"):
            st.markdown(scenario.description)
    _summary_strip(plan)

    tabs = st.tabs(["Forhandling", "Plan", "Kvartaler", "Kart", "Sammenlign", "Hva om", "Eksport"])
    with tabs[0]:
        _editor(scenario, plan)
        _request_and_key(scenario)
        shares = key_shares(scenario)
        st.caption(f"Største nøkkelandel: {scenario.municipalities.at[shares.idxmax(), 'kommune']} "
                   f"({number(100 * shares.max(), 1)} %).")
    with tabs[1]:
        _plan_tab(plan)
    with tabs[2]:
        _quarter_tab(scenario, plan)
    with tabs[3]:
        _map_tab(plan)
    with tabs[4]:
        _compare_tab()
    with tabs[5]:
        _whatif_tab(scenario, plan)
    with tabs[6]:
        _export_tab(plan)


main()
