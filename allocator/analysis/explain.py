"""Why this number? One municipality's plan explained, in numbers and in plain Norwegian.

In a meeting every municipality asks "why do we get N, and not M?". The answer has four parts:

1. **The key**: each key column's value, its share of the county (before and after the
   exponent), its weight, and what it adds to the municipality's key share (key.py's formula).
2. **What moved it from its fair share**: its own limits that hold it (Plan.holding), and the
   persons it takes because other municipalities are held by theirs, or gives up because locks and
   minimums elsewhere pull persons there: (t − 1) × fair share, t the common scale of its county
   and group (Plan.scale).
3. **What one more unit of each resource is worth** here (margins.py): how many more persons the county would
   settle, from the dual value of the stage-1 linear programme (the rate at which the most persons
   that can be settled grows with this municipality's bound), valid as far as HiGHS's ranging says;
   beyond that range (a degenerate basis) the stage-1 programme is solved again with the unit added.
   And how much closer to fair the plan would come: from the multiplier of the bound in the
   fair-split quadratic programme (the fall of Σ (x − f)² / f per unit), taken only as far as the
   unit helps: the municipality rises until its own term's slope meets the free municipalities'.
4. **Its number without each of its limits**: the whole plan made again with that one limit lifted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.analysis.margins import marginal_values
from allocator.labels import GROUP_LABELS, LIMIT_LABELS, RESOURCE_LABELS, UNIT_WORDS, column_label, number
from allocator.optimize.solve import solve
from allocator.plan import Plan
from allocator.problems import Problem, ScenarioError
from allocator.scenario.data import DATED_COLUMNS, GROUPS, RESOURCE_OF_GROUP, Scenario
from allocator.scenario.key import column_share, county_rows, key_share_values, term_shares


@dataclass
class KeyContribution:
    column: str
    value: float
    share_before_exponent: float
    share: float  # after the exponent: value^e / Σ value^e over the county
    weight: float
    exponent: float
    credit: bool
    contribution: float  # ± weight × share, over the normaliser: the part of the key share


@dataclass(frozen=True)
class LimitEffect:
    """What one limit does to the municipality: its number now and with that limit lifted (the
    whole plan made again), in the limit's own unit: persons of its group for a dwelling or place
    limit, the total for max_total, min_total and a lock. Every sentence about a limit is read
    from here, so «uten grensen» and «holder igjen» cannot disagree."""

    limit: str
    group: str | None  # the group a resource limit is for; None for a limit on the total
    now: int
    without: int
    total_now: int
    total_without: int

    @property
    def held(self) -> int:
        """Persons (of its unit) the limit holds the municipality back (> 0) or up (< 0)."""
        return self.without - self.now


def persons_word(count: float) -> str:
    """«1 person», «2 personer» (number agreement in Norwegian)."""
    return f"{number(count)} {'person' if round(abs(count)) == 1 else 'personer'}"


@dataclass
class Explanation:
    kommunenummer: str
    kommune: str
    fylke: str
    key_share: float
    key_terms: list[KeyContribution]
    fair_share: dict[str, float]
    allocation: dict[str, int]
    scale: dict[str, float]
    from_others: dict[str, float]
    binding: list[str]
    holding: list[tuple[str, float]]
    marginal: dict[str, dict[str, float]]
    without_limit: dict[str, int]
    shortfall: dict[str, int] = field(default_factory=dict)
    effects: list[LimitEffect] = field(default_factory=list)
    at_total_limit: bool = False  # at max_total, a minimum or a lock: its total is the limit's

    @property
    def total(self) -> int:
        return sum(self.allocation.values())

    def to_dict(self) -> dict[str, Any]:
        """The `explain --json` shape (keys may be added, never renamed)."""
        return {
            "kommunenummer": self.kommunenummer,
            "kommune": self.kommune,
            "fylke": self.fylke,
            "key_share": round(self.key_share, 6),
            "fair_share": {g: round(v, 4) for g, v in self.fair_share.items()},
            "allocation": dict(self.allocation),
            "total": self.total,
            "key_terms": [{"column": t.column, "value": t.value, "share": round(t.share, 6), "weight": t.weight,
                           "share_before_exponent": round(t.share_before_exponent, 6), "exponent": t.exponent,
                           "credit": t.credit, "contribution": round(t.contribution, 6)} for t in self.key_terms],
            "binding": list(self.binding),
            "limited_by": [code for code, _ in self.holding],
            "held_back": {code: round(v, 1) for code, v in self.holding},
            "from_others": {g: round(v, 2) for g, v in self.from_others.items()},
            "marginal": {r: {k: round(v, 4) for k, v in m.items()} for r, m in self.marginal.items()},
            "without_limit": dict(self.without_limit),
            "without_limit_group": {e.limit: {"group": e.group, "persons": e.without, "now": e.now}
                                    for e in self.effects if e.group is not None},
        }

    def lines(self) -> list[str]:
        """The explanation in plain Norwegian, one statement per line.

        Every number is one the table shows (persons, fair shares) or one of `effects` (the plan
        made again without a limit), in the limit's own unit: persons of a group for a dwelling or
        place limit, the total for max_total, minimums and locks.
        """
        out = [f"{self.kommune} ({self.kommunenummer}{', ' + self.fylke if self.fylke else ''}) får {persons_word(self.total)}; "
               f"den rimelige andelen er {number(sum(self.fair_share.values()), 1)}."]
        terms = ", ".join(
            f"{column_label(t.column)} {number(t.value, 0 if float(t.value).is_integer() else 2)} "
            f"({number(100 * t.share_before_exponent, 2)} % av {'fylket' if self.fylke else 'alle'}"
            + (f", {number(100 * t.share, 2)} % etter eksponent {number(t.exponent, 2)}" if t.exponent != 1 else "")
            + f", vekt {number(t.weight, 2)}{', fradrag' if t.credit else ''})"
            for t in self.key_terms)
        out.append(f"Nøkkelen gir kommunen {number(100 * self.key_share, 2)} % av anmodningen: {terms}.")
        parts = [f"{GROUP_LABELS[g].lower()} {number(self.allocation[g])} (rimelig {number(self.fair_share[g], 1)})" for g in GROUPS
                 if self.allocation[g] or self.fair_share[g] >= 0.05]
        if parts:
            out.append("Per gruppe: " + "; ".join(parts) + ".")
        for effect in self.effects:
            out.append(_effect_line(effect))
        for g, v in self.from_others.items():
            count = round(abs(v))
            if count < 1:
                continue
            label, now, fair = GROUP_LABELS[g].lower(), number(self.allocation[g]), number(self.fair_share[g], 1)
            if v > 0:
                out.append(f"Tar {persons_word(count)} mer enn sin rimelige andel av {label} ({now} mot {fair}) "
                           "fordi andre kommuner er begrenset.")
            else:
                out.append(f"Får {persons_word(count)} mindre enn sin rimelige andel av {label} ({now} mot {fair}) fordi "
                           "låser, minimum eller mangel på plass andre steder tar dem.")
        for resource, value in self.marginal.items():
            unit = UNIT_WORDS[resource][0]
            if value["persons"] > 0:
                gained = value["persons"]
                out.append(f"Én {unit} til her: fylket kan bosette {number(gained, 0 if float(gained).is_integer() else 1)} "
                           f"{'person' if gained == 1 else 'personer'} til.")
            elif value["fairness"] > 1e-6:
                out.append(f"Én {unit} til her bosetter ingen flere, men planen kommer nærmere den rimelige fordelingen.")
        if not any(e.held for e in self.effects) and not any(round(abs(v)) >= 1 for v in self.from_others.values()):
            out.append("Ingen grense holder kommunen; den får sin rimelige andel, rundet til hele personer.")
        return out


def _effect_line(effect: LimitEffect) -> str:
    """One limit's effect, from the plan made again without it, in the limit's own unit."""
    label = LIMIT_LABELS[effect.limit]
    if effect.group is not None:  # a dwelling or place limit: persons of its group
        group = GROUP_LABELS[effect.group].lower()
        if effect.held == 0:
            return (f"{label[0].upper() + label[1:]} er brukt opp, men holder ikke kommunen igjen: uten grensen får den "
                    f"like mange {group} ({number(effect.now)}).")
        line = (f"Begrenset av {label}: uten grensen ville kommunen fått {number(effect.without)} {group} "
                f"(nå {number(effect.now)}), {persons_word(effect.held)} mer")
        if effect.total_without == effect.total_now:
            return line + (f"; totalen blir den samme ({number(effect.total_now)}): grensen endrer fordelingen mellom "
                           "gruppene, ikke totalen.")
        return line + f", og {number(effect.total_without)} totalt (nå {number(effect.total_now)})."
    if effect.limit == "locked":  # «låst» is not a limit's name: say what the lock does
        if effect.held == 0:
            return f"Låst på {number(effect.now)}: uten låsen får kommunen det samme."
        return (f"Låst på {number(effect.now)}: uten låsen ville kommunen fått {number(effect.without)}, "
                f"{persons_word(abs(effect.held))} {'mer' if effect.held > 0 else 'færre'}.")
    if effect.held > 0:
        return (f"Begrenset av {label}: uten grensen ville kommunen fått {number(effect.without)} (nå {number(effect.now)}), "
                f"{persons_word(effect.held)} mer.")
    if effect.held < 0:
        return (f"Holdt oppe av {label}: uten grensen ville kommunen fått {number(effect.without)} (nå {number(effect.now)}), "
                f"{persons_word(-effect.held)} færre.")
    return f"Grensen {label} er nådd, men endrer ikke kommunens tall: uten den får kommunen det samme ({number(effect.now)})."


# --------------------------------------------------------------------------- the parts


def key_contributions(scenario: Scenario, row: int) -> tuple[float, list[KeyContribution]]:
    """The municipality's key share and what each key column adds to it (within its county)."""
    table = scenario.table
    if scenario.counties is not None:
        fylke = scenario.county_of()[row]
        rows = county_rows(scenario)[fylke]
    else:
        rows = np.arange(len(table))
    columns = {t.column: table.numeric(t.column) for t in scenario.key}
    shares = key_share_values(columns, scenario.key, rows)
    parts = term_shares(columns, scenario.key, rows)
    normaliser = float(np.clip(sum(parts), 0.0, None).sum())
    position = int(np.flatnonzero(rows == row)[0])
    contributions = []
    for term, signed in zip(scenario.key, parts):
        values = columns[term.column][rows]
        plain = np.where(values > 0, values, 0.0)
        before = plain[position] / plain.sum() if plain.sum() > 0 else 0.0
        share = column_share(values, term.exponent, term.credit)[position]
        contributions.append(KeyContribution(term.column, float(values[position]), float(before), float(share), term.weight,
                                             term.exponent, term.credit, float(signed[position]) / normaliser))
    return float(shares[position]), contributions


def _lifted(scenario: Scenario, number: str, limit: str) -> Scenario:
    """The scenario with one of the municipality's limits taken away."""
    columns = {"locked": ("min_total", "max_total"), "max_total": ("max_total",), "min_total": ("min_total",)}.get(
        limit, (limit, *(c for c in DATED_COLUMNS if c.startswith(limit + "_q"))))
    table = scenario.table
    k = table.position[number]
    changes = {}
    for column in columns:
        if column in table:
            values = table.numeric(column).copy()
            values[k] = np.nan
            changes[column] = values
    if limit in ("max_total", "locked", "min_total"):
        for column in (c for c in table.columns if c.startswith("locked_q")):  # a locked schedule is a limit too
            values = table.numeric(column).copy()
            values[k] = np.nan
            changes[column] = values
    return scenario.with_changes(table=table.with_columns(changes), municipalities=None)


def explain(scenario: Scenario, number: str, plan: Plan | None = None) -> Explanation:
    """Why `number` gets what it gets in the yearly plan (the quarterly schedule is left out)."""
    table = scenario.table
    if number not in table.position:
        raise ScenarioError([Problem("municipalities.csv", column="kommunenummer", message=(
            f"fant ingen kommune med kommunenummer «{number}» i scenarioet «{scenario.name}»"))])
    yearly = scenario.with_changes(quarters=None) if scenario.quarters is not None else scenario
    plan = plan if plan is not None and plan.schedule is None else solve(yearly)
    k = table.position[number]
    key_share, terms = key_contributions(yearly, k)
    limits = plan.binding_codes[k]
    allocation = {g: int(plan.persons[k, j]) for j, g in enumerate(GROUPS)}
    total = int(plan.totals[k])
    group_of = {resource: group for group, resource in RESOURCE_OF_GROUP.items()}
    effects, without = [], {}
    for limit in limits:
        # Lifting a limit never makes a possible plan impossible, so an error here is a real one:
        # it is raised, never turned into a missing line or a 0
        lifted = solve(_lifted(yearly, number, limit))
        group = group_of.get(limit)
        j = GROUPS.index(group) if group else None
        now = allocation[group] if group else total
        after = int(lifted.persons[k, j]) if group else int(lifted.totals[k])
        effects.append(LimitEffect(limit, group, now, after, total, int(lifted.totals[k])))
        without[limit] = int(lifted.totals[k])
    limits_at = plan.at_limit
    at_total = bool(limits_at["locked"][k] or limits_at["max_total"][k] or limits_at["min_total"][k])
    held_groups = {e.group for e in effects if e.group is not None}
    from_others = {}
    for j, g in enumerate(GROUPS):
        # What others' limits move here, in the table's own numbers (persons − fair share), said
        # only where nothing of its own explains it: not at a limit on its total, not held in the
        # group by its own dwellings or places, and in the direction the county's common scale
        # moved (so rounding is never called a move)
        deviation = float(plan.persons[k, j] - plan.fair[k, j])
        scale = float(plan.scale[k, j])
        moved = not at_total and g not in held_groups and not limits_at["resources"][k, j] and \
            ((deviation >= 0.5 and scale > 1) or (deviation <= -0.5 and scale < 1))
        from_others[g] = deviation if moved else 0.0
    fylke = yearly.county_of()[k] if yearly.counties is not None else ""
    return Explanation(
        kommunenummer=number,
        kommune=table.text("kommune")[k],
        fylke=fylke,
        key_share=key_share,
        key_terms=terms,
        fair_share={g: float(plan.fair[k, j]) for j, g in enumerate(GROUPS)},
        allocation=allocation,
        scale={g: float(plan.scale[k, j]) for j, g in enumerate(GROUPS)},
        from_others=from_others,
        binding=list(limits),
        holding=[(e.limit, float(abs(e.held))) for e in effects if e.held],
        marginal=marginal_values(yearly, k),
        without_limit=without,
        shortfall=dict(plan.shortfall),
        effects=effects,
        at_total_limit=at_total,
    )


__all__ = ["Explanation", "KeyContribution", "LimitEffect", "persons_word", "explain", "key_contributions", "marginal_values", "RESOURCE_LABELS"]
