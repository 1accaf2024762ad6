"""The plan as plain text for the command line, in Norwegian, without pandas (it starts fast).

Numbers are written the Norwegian way (1 474; 270,2), and every heading is a word a county
adviser uses, not a column code.
"""

from __future__ import annotations

from allocator.analysis.sweep import first_limits
from allocator.binding import LIMIT_ORDER
from allocator.labels import GROUP_LABELS, LIMIT_LABELS, RESOURCE_LABELS, count, number, table_text
from allocator.plan import Plan
from allocator.scenario.data import GROUPS

PART_LABELS = {"request": "Anmodet", "settled": "Bosatt", "shortfall": "Underskudd", "received": "Mottatt", "sent": "Sendt"}


def holding_texts(plan: Plan, short: bool = True) -> dict[str, str]:
    """Per municipality, the limits that hold it back, most first, in plain Norwegian.

    Short (the negotiation table): "familieboliger (3 færre), maks totalt (1 færre)", "avtalt minimum
    (2 flere)": persons fewer or more than the municipality would get without the limit (not a change
    from the last plan, which «Endring» shows). Long (the plan table): "familieboliger: 14 av 14
    brukt, holder igjen ca. 3 personer".
    """
    table = plan.scenario.table
    reasons = table.text("lock_reason")
    low, high = plan.scenario.bounds()
    units = plan.resource_units
    texts: dict[str, str] = {}
    for k, (code_number, held) in enumerate(zip(table.numbers, plan.holding)):
        parts = []
        for code, persons in held:
            up = code in plan.held_up[k]
            if short:
                parts.append(f"{LIMIT_LABELS[code]} ({number(persons)} {'flere' if up else 'færre'})")
                continue
            effect = f"holder {'oppe' if up else 'igjen'} ca. {number(persons)} {'person' if round(persons) == 1 else 'personer'}"
            if code in RESOURCE_LABELS:
                used, available = units[code]
                parts.append(f"{RESOURCE_LABELS[code]}: {number(used[k])} av {number(available[k])} brukt, {effect}")
            elif code == "locked":
                reason = f" ({reasons[k]})" if reasons[k] else ""
                parts.append(f"låst på {number(plan.totals[k])}{reason}, {effect}")
            elif code == "max_total":
                parts.append(f"maks totalt {number(high[k])}, {effect}")
            else:
                parts.append(f"avtalt minimum {number(low[k])}, {effect}")
        texts[code_number] = ("; " if not short else ", ").join(parts)
    return texts


def municipality_text(plan: Plan) -> str:
    table = plan.scenario.table
    names = table.text("kommune")
    counties = table.text("fylke") if "fylke" in table and plan.has_counties else None
    fair_total = plan.fair.sum(axis=1)
    population = table.numeric("population")
    header = ["Kommunenr.", "Kommune", *(["Fylke"] if counties else []), "Totalt", *(GROUP_LABELS[g] for g in GROUPS),
              "Rimelig andel", "Avvik", "Per 1 000", *(["Mottatt"] if plan.received is not None else []), "Begrenset av"]
    holding = holding_texts(plan)  # as the app's "Begrenset av": what holds each back, about how many persons
    rows = []
    for k, code in enumerate(table.numbers):
        total = int(plan.totals[k])
        row = [code, names[k], *([counties[k]] if counties else []), number(total),
               *(number(int(plan.persons[k, j])) for j in range(len(GROUPS))),
               number(fair_total[k], 1), number(total - fair_total[k], 1), number(1000 * total / population[k], 1)]
        if plan.received is not None:
            row.append(number(int(plan.received[k].sum())))
        row.append(holding[code])
        rows.append(row)
    right = [False, False, *([False] if counties else []), *([True] * (len(header) - (4 if counties else 3))), False]
    return table_text(header, rows, right)


def summary_text(plan: Plan) -> str:
    rows = []
    for g in GROUPS:
        rows.append([GROUP_LABELS[g], number(plan.scenario.request[g]), number(plan.settled[g]), number(plan.shortfall[g])])
    rows.append(["Totalt", number(plan.scenario.total_request), number(sum(plan.settled.values())), number(sum(plan.shortfall.values()))])
    for g, figures in plan.minors_figures.items():  # minors assessed one by one
        rows.append([f"  {GROUP_LABELS[g]}", number(figures["request"]), number(figures["settled"]), number(figures["shortfall"])])
    return table_text(["Gruppe", "Anmodet", "Bosatt", "Underskudd"], rows)


def grant_text(plan: Plan) -> str:
    grant = plan.grant
    names = dict(zip(plan.scenario.table.numbers, plan.scenario.table.text("kommune")))
    bought = ", ".join(f"{names[k]} {number(v)}" for k, v in sorted(grant.bought.items(), key=lambda kv: -kv[1])) or "ingen"
    return (f"Boligtilskudd: {number(grant.dwellings)} småboliger kjøpt for {number(grant.spent)} kr av {number(grant.budget)} kr "
            f"({bought}). {number(grant.persons_thanks_to_grant)} flere personer bosatt takket være tilskuddet; "
            f"én million kroner til ville bosatt {number(grant.persons_per_million)} til.")


def limits_text(plan: Plan) -> str:
    rows = []
    for row in plan.binding_rows():
        if row["municipalities"]:
            used = "" if row["used"] is None else f"{number(row['used'])} av {number(row['available'])}"
            rows.append([LIMIT_LABELS[row["limit"]], number(row["municipalities"]), used])
    return table_text(["Grense", "Kommuner", "Brukt"], rows) if rows else "(ingen)"


def county_text(plan: Plan) -> str:
    rows = []
    for figure in plan.county_figures:
        rows.append([figure["fylke"], *(number(sum(figure[part].values())) for part in PART_LABELS)])
    text = table_text(["Fylke", *PART_LABELS.values()], rows)
    if plan.flows:
        flows = [[f.origin, f.destination, GROUP_LABELS[f.group], number(f.persons)] for f in plan.flows]
        text += "\n\nBosatt på tvers av fylkesgrenser\n" + table_text(["Fra", "Til", "Gruppe", "Personer"], flows, [False, False, False, True])
    elif plan.scenario.counties.cross_border:
        text += "\n\nIngen må bosettes på tvers av fylkesgrenser."
    if plan.placeable_across_borders:
        text += (f"\n\nMed bosetting på tvers av fylkesgrenser kunne {number(plan.placeable_across_borders)} flere personer "
                 "blitt bosatt (slå på med [counties] cross_border = true).")
    return text


def schedule_text(plan: Plan) -> str:
    schedule = plan.schedule
    county = schedule.values.sum(axis=0)  # (G, Q)
    rows = [[GROUP_LABELS[g], *(number(int(v)) for v in county[j])] for j, g in enumerate(GROUPS)]
    quarters = table_text(["Gruppe", "K1", "K2", "K3", "K4"], rows)
    timely = [[GROUP_LABELS[g], number(f["avg_months"], 1), f"{number(100 * f['within_target'], 1)} %", number(f["late"]),
               number(f["carried_over"])] for g, f in schedule.timeliness().items()]
    timeliness = table_text(["Gruppe", "Snitt måneder", "Innen målet", "For sent", "Til neste år"], timely)
    value = schedule.value_of_agreement()
    return (
        f"Kvartalsplan (fylket, personer per kvartal)\n{quarters}\n\nTidsmål per gruppe\n{timeliness}\n\n"
        f"Mot vanlig mønster: {number(value['waiting_person_months_saved'])} personmåneder mindre ventetid; "
        f"bonus {number(value['bonus_optimised'])} kr (mot {number(value['bonus_baseline'])}), "
        f"trekk {number(value['deduction_optimised'])} kr (mot {number(value['deduction_baseline'])}).\n"
        "Merk: illustrativ ordning; bonus og trekk finnes ikke i dag, beløpene er satt i [incentives].\n"
    )


def render_text(plan: Plan) -> str:
    """The plan as a readable table and a summary."""
    status = "hele anmodningen er fordelt" if plan.status == "optimal" else "ikke alle kan bosettes (underskudd)"
    parts = [
        f"{plan.scenario.name}: {status}. Løst med {plan.solver} på {number(plan.solve_seconds * 1000)} ms.",
        municipality_text(plan),
        "Sammendrag\n" + summary_text(plan),
        "Kommuner ved en grense\n" + limits_text(plan),
    ]
    if plan.grant is not None:
        parts.append(grant_text(plan))
    if plan.has_counties:
        parts.append("Fylker\n" + county_text(plan))
    if plan.schedule is not None:
        parts.append(schedule_text(plan))
    return "\n\n".join(parts) + "\n"


def sweep_text(scenario, points) -> str:
    """The sweep as a table per total, then where capacity runs out first."""
    rows = []
    errors = any(p.error for p in points)
    limits = [k for k in LIMIT_ORDER if k not in ("locked", "min_total") and any(p.at_limit.get(k) for p in points if not p.error)]
    for p in points:
        if p.error:
            rows.append([number(p.total), "", "", *([""] * len(GROUPS)), *([""] * len(limits)), f"ugyldig: {p.error}"])
            continue
        rows.append([number(p.total), number(sum(p.settled.values())), number(sum(p.shortfall.values())),
                     *(number(p.shortfall[g]) for g in GROUPS), *(number(p.at_limit.get(k, 0)) for k in limits),
                     *([""] if errors else [])])
    # one column per capacity limit: how many municipalities that limit holds back (a municipality
    # held by two limits is counted under each, so the columns are not added up)
    header = ["Total", "Bosatt", "Underskudd", *(f"Underskudd {GROUP_LABELS[g].lower()}" for g in GROUPS),
              *(f"Kommuner holdt av {LIMIT_LABELS[k]}" for k in limits), *(["Merknad"] if errors else [])]
    text = [f"{scenario.name}: planlagt for {count(len(points), 'total', 'totaler')} (hver gruppe skalert i samme forhold)",
            table_text(header, rows)]
    firsts = first_limits(points)
    if firsts:
        first_rows = [[f["fylke"] or "Hele scenarioet", LIMIT_LABELS[f["limit"]], number(f["total"]), number(f["shortfall"]),
                       number(f["municipalities"])] for f in firsts]
        text.append("\nHva går først tom (den laveste totalen der noen i anmodningen ikke kan bosettes, og grensen som er årsaken)\n"
                    + table_text(["Fylke", "Går først tom", "Ved total", "Kan ikke bosettes", "Kommuner ved grensen"], first_rows,
                                 [False, False, True, True, True]))
    else:
        text.append("\nAlle i anmodningen kan bosettes ved hver total i dette området.")
    return "\n".join(text) + "\n"


__all__ = ["render_text", "sweep_text", "binding_reasons", "LIMIT_ORDER"]


def binding_reasons(plan: Plan) -> dict[str, str]:
    """Per municipality, why it gets no more (or no less), in plain Norwegian.

    E.g. "begrenset av familieboliger: 14 av 14 brukt"; "" when no limit holds it.
    """
    table = plan.scenario.table
    reasons_text = table.text("lock_reason")
    max_total, min_total = table.numeric("max_total"), table.numeric("min_total")
    units = plan.resource_units
    reasons: dict[str, str] = {}
    for k, (number_, codes) in enumerate(zip(table.numbers, plan.binding_codes)):
        total = int(plan.totals[k])
        parts = []
        for code in codes:
            if code == "locked":
                reason = reasons_text[k]
                parts.append(f"låst på {total}" + (f" ({reason})" if reason else ""))
            elif code == "max_total":
                parts.append(f"begrenset av maks totalt: {total} av {max_total[k]:.0f}")
            elif code == "min_total":
                parts.append(f"holdt oppe av avtalt minimum: {min_total[k]:.0f}")
            else:
                used, available = units[code]
                parts.append(f"begrenset av {RESOURCE_LABELS[code]}: {used[k]} av {available[k]:.0f} brukt")
        reasons[number_] = "; ".join(parts)
    return reasons
