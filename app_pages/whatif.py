"""Hva om: the plan re-made for a range of totals, where capacity runs out first, and whether
similar municipalities are treated alike across counties."""

from __future__ import annotations

import threading
from concurrent.futures.process import BrokenProcessPool

import streamlit as st

from allocator.labels import number
from allocator.plan import Plan
from allocator.present import fields
from allocator.present.charts import THEME_COLOUR
from allocator.scenario.cells import parse_number
from allocator.scenario.data import Scenario
from allocator.scenario.write import fingerprint

from . import state
from .common import chart, table
from .inputs import field_input

MAX_POINTS = 60


def default_range(total: int) -> tuple[int, int, int]:
    """About 15 totals from half the request to three times it, in round steps."""
    start, stop = max(0, total // 2), max(10, 3 * total)
    raw = max(1, (stop - start) // 14)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 10**9) if s >= raw)
    start -= start % step
    return start, start + 14 * step, step


@st.cache_resource(show_spinner=False)
def _pool():
    """Warm sweep workers shared by every session of the server (see `allocator.sweep.worker_pool`):
    a national sweep then costs its solves, not a fresh start of every worker (seconds in the app)."""
    from allocator.analysis.sweep import worker_pool

    return worker_pool()


_warming = threading.Lock()
_warmed = False


def _warm() -> None:
    """Start the sweep workers in the background the first time «Hva om» is shown on this server."""
    global _warmed
    with _warming:
        if _warmed:
            return
        _warmed = True
    threading.Thread(target=_pool, daemon=True).start()


def _whole(container, label: str, default: int, key: str) -> int | None:
    """A whole number typed the Norwegian way («5 000»); None when it is not one."""
    typed = container.text_input(label, value=number(default), key=f"{key}:{default}")
    value = parse_number(typed)
    return int(value) if value is not None and value >= 0 and float(value).is_integer() else None


def _sweep(scenario: Scenario) -> None:
    from allocator.analysis.sweep import sweep, sweep_tables
    from allocator.present.charts import sweep_chart

    st.subheader("Hva om behovet endres?")
    st.caption("Planen lages på nytt for hver total. Hver gruppe (og hvert fylke) skaleres i samme forhold som i dag, "
               "i hele personer. Kvartalsplanen er ikke med.")
    start, stop, step = default_range(scenario.total_request)
    _warm()
    left, middle, right = st.columns(3)
    first = _whole(left, "Fra (personer)", start, "sweep_from")
    last = _whole(middle, "Til (personer)", stop, "sweep_to")
    every = _whole(right, "Steg", step, "sweep_step")
    if None in (first, last, every):
        st.error("Skriv hele tall, f.eks. «5 000».")
        return
    totals = list(range(first, last + 1, max(1, every)))
    if len(totals) > MAX_POINTS:
        st.warning(f"{number(len(totals))} punkter er mange; øk steget (høyst {MAX_POINTS}).")
    elif st.button(f"Planlegg for {len(totals)} totaler", key="sweep_run", disabled=not totals):
        bar = st.progress(0.0, text="Planlegger …")
        progress = lambda done, count: bar.progress(done / count, text=f"{done} av {count} totaler")  # noqa: E731
        try:
            points = sweep(scenario, totals, pool=_pool(), progress=progress)
        except BrokenProcessPool:  # a worker died (e.g. killed): a new pool, once
            _pool.clear()
            points = sweep(scenario, totals, pool=_pool(), progress=progress)
        bar.empty()
        st.session_state.sweep_result = (fingerprint(scenario), points)
    result = st.session_state.get("sweep_result")
    if not result or result[0] != fingerprint(scenario):
        plan = st.session_state.get("plan")
        if plan is not None:  # today's request alone, until the user plans the range (and the chart is ready to draw)
            from allocator.analysis.sweep import plan_as_point

            chart(sweep_chart([plan_as_point(plan)], scenario.total_request))
        return
    points = result[1]
    chart(sweep_chart(points, scenario.total_request))
    totals_table, counties, first_out = sweep_tables(points)
    table(totals_table)
    if len(first_out):
        st.markdown("**Hva går først tom** (den laveste totalen der noen i anmodningen ikke kan bosettes, og grensen som er årsaken)")
        table(first_out)
    if len(counties):
        chosen = st.selectbox("Fylkene ved total", [p.total for p in points if not p.error], format_func=number, key="sweep_point")
        table(counties[counties["Total"] == chosen].drop(columns=["Total"]))


def _consistency(plan: Plan) -> None:
    from allocator.analysis.consistency import PEER_KEYS, consistency

    available = [key for key in PEER_KEYS if key in plan.scenario.table]
    if not available or "fylke" not in plan.scenario.table:
        return
    st.subheader("Behandles like kommuner likt?")
    by = st.radio("Sammenlign kommuner etter", available, format_func=PEER_KEYS.get, horizontal=True, key="consistency_by")
    result = consistency(plan, by)
    counties = sorted({c for row in result["groups"] for c in row["by_county"]})
    rows = [{"Gruppe": row["group"], "Kommuner": row["municipalities"], "Median per 1 000": row["median_per_1000"],
             **{c: row["by_county"].get(c) for c in counties}} for row in result["groups"]]
    st.caption("Personer per 1 000 innbyggere i planen: medianen i hver gruppe av like kommuner, i hele landet og per fylke.")
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)

    table(pd.DataFrame(rows))
    if result["flagged"]:
        st.markdown(f"**{len(result['flagged'])} kommuner ligger langt fra gruppen sin** (over dobbelt eller under "
                    "halvparten av medianen):")
        st.markdown("\n".join(f"- {f['text']}" for f in result["flagged"][:40]))
    else:
        st.success("Ingen kommuner ligger over dobbelt eller under halvparten av medianen i gruppen sin.")


def _grant(scenario: Scenario, plan: Plan) -> None:
    """The housing grant for single adults: a budget, where it buys dwellings, and what it settles."""
    st.subheader("Boligtilskudd for enslige voksne")
    st.caption("Tilskuddet kjøper småboliger der de bosetter flest, eller ellers gjør planen mest rettferdig.")
    budget, price, most = st.columns(3)
    field_input(budget, fields.GRANT_BUDGET)
    field_input(price, fields.GRANT_PRICE)
    field_input(most, fields.GRANT_MAX)
    if plan.grant is not None:
        names = dict(zip(plan.scenario.table.numbers, plan.scenario.table.text("kommune")))
        bought = ", ".join(f"{names[k]} {v}" for k, v in sorted(plan.grant.bought.items(), key=lambda kv: -kv[1])) or "ingen"
        grant = plan.grant
        st.markdown(f"- {number(grant.dwellings)} småboliger kjøpt for {number(grant.spent)} kr: {bought}.\n"
                    f"- {number(grant.persons_thanks_to_grant)} flere personer bosatt takket være tilskuddet "
                    f"({number(grant.dwellings_to_settle)} av boligene trengs for det; {number(grant.dwellings_for_fairness)} "
                    "gjør fordelingen mer rimelig).\n"
                    f"- I snitt {number(grant.average_persons_per_million, 1)} personer per million brukt; rundt dette "
                    f"beløpet gir én million til {number(grant.persons_per_million, 1)} personer til (se kurven).\n"
                    + (f"- {number(grant.returned)} boliger planen ikke ville brukt, er ikke kjøpt.\n" if grant.returned else ""))
    if st.button("Vis hvor mange tilskuddet kan bosette", key="grant_curve"):
        import plotly.graph_objects as go  # on demand: heavy to import (see allocator/__init__)

        from allocator.optimize.grant import settled_by_budget
        from allocator.present.charts import norwegian

        millions = list(range(0, 201, 10))
        settled = settled_by_budget(scenario, [m * 1_000_000.0 for m in millions])
        figure = go.Figure(go.Scatter(x=millions, y=settled, mode="lines+markers", line={"color": THEME_COLOUR},
                                      hovertemplate="%{x} mill. kr: %{y} bosatt<extra></extra>"))
        figure.update_layout(height=380, xaxis_title="Tilskudd (millioner kroner)", yaxis_title="Personer som kan bosettes")
        chart(norwegian(figure, "Personer som kan bosettes for hvert tilskudd (personer)"))


@st.fragment
def view() -> None:
    plan = state.current_plan()
    state.show_messages()
    if plan is None:
        return
    _sweep(state.scenario())
    _grant(state.scenario(), plan)
    _consistency(plan)
