"""The meeting record: the changes made in a session, old → new, and what each did to the plan.

Each entry is one step of the session (as «Angre» knows it): what was changed, every value old →
new, and its effect: persons settled before and after, and who absorbed it (the municipalities
whose total changed, the largest first, with the reason of a lock). Exported as an Excel sheet
and as a printable HTML page to attach to the minutes.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass

import pandas as pd

from allocator.labels import number, signed
from allocator.plan import Plan
from allocator.present.changes import Change, scenario_changes
from allocator.scenario.data import Scenario

MOST_NAMED = 8


@dataclass(frozen=True)
class Entry:
    what: str
    changes: tuple[Change, ...]
    effect: str


def effect(before: Plan | None, after: Plan | None) -> str:
    """«Bosatt 1 474 → 1 474. Bergen −92; Askøy +12; … (og 20 andre)»; locks' reasons in brackets."""
    if before is None or after is None:
        return "Ingen plan kunne lages med endringen."
    settled = (sum(before.settled.values()), sum(after.settled.values()))
    old, new = before.allocation.sum(axis=1), after.allocation.sum(axis=1)
    delta = (new - old.reindex(new.index).fillna(0)).astype(int)
    moved = delta[delta != 0]
    moved = moved.reindex(moved.abs().sort_values(ascending=False, kind="stable").index)
    table = after.scenario.table
    names = dict(zip(table.numbers, table.text("kommune")))
    reasons = dict(zip(table.numbers, table.text("lock_reason")))
    low, high = after.scenario.bounds()
    locked = {n for n, lo, hi in zip(table.numbers, low, high) if lo == hi}
    parts = [f"{names[n]} {signed(v)}" + (f" (låst: {reasons[n]})" if n in locked and reasons[n] else "")
             for n, v in moved.head(MOST_NAMED).items()]
    text = f"Bosatt {number(settled[0])} → {number(settled[1])}."
    if parts:
        text += " " + "; ".join(parts) + (f" (og {len(moved) - MOST_NAMED} andre)" if len(moved) > MOST_NAMED else "") + "."
    else:
        text += " Ingen kommune fikk et annet tall."
    return text


def entries(steps: list[tuple[str, Scenario, Scenario, Plan | None, Plan | None]]) -> list[Entry]:
    """Entries from the session's steps: (what, scenario before, after, plan before, after)."""
    return [Entry(what, tuple(scenario_changes(before, after)), effect(plan_before, plan_after))
            for what, before, after, plan_before, plan_after in steps]


def frame(record: list[Entry]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Nr.": k,
        "Endring": entry.what,
        "Fra → til": "\n".join(c.text for c in entry.changes) or "ingen endring",
        "Virkning på planen": entry.effect,
    } for k, entry in enumerate(record, start=1)], columns=["Nr.", "Endring", "Fra → til", "Virkning på planen"])


def workbook_bytes(title: str, record: list[Entry], plan: Plan | None) -> bytes:
    """«Møtereferat» (the changes) and «Plan» (each municipality's total at the end) in one workbook."""
    from openpyxl.styles import Alignment, Font

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame(record).to_excel(writer, sheet_name="Møtereferat", index=False, startrow=2)
        sheet = writer.sheets["Møtereferat"]
        sheet["A1"] = title
        sheet["A1"].font = Font(bold=True, size=14)
        for column, width in zip("ABCD", (6, 40, 60, 70)):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=4):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        if plan is not None:
            table = plan.municipality_table()
            totals = pd.DataFrame({"Kommunenr.": table.index, "Kommune": table["kommune"], "Plan: totalt": table["total"]})
            totals.to_excel(writer, sheet_name="Plan", index=False)
    return buffer.getvalue()


def printable_html(title: str, record: list[Entry], plan: Plan | None) -> str:
    """A page to print (or save as PDF from the browser) and attach to the minutes."""
    rows = "".join(
        f"<tr><td>{k}</td><td>{html.escape(e.what)}</td><td>{'<br>'.join(html.escape(c.text) for c in e.changes)}</td>"
        f"<td>{html.escape(e.effect)}</td></tr>" for k, e in enumerate(record, start=1))
    plan_rows = ""
    if plan is not None:
        table = plan.municipality_table()
        plan_rows = "".join(f"<tr><td>{html.escape(str(n))}</td><td>{html.escape(str(r['kommune']))}</td>"
                            f"<td class='n'>{number(r['total'])}</td></tr>" for n, r in table.iterrows())
        plan_rows = (f"<h2>Planen etter møtet</h2><table><tr><th>Kommunenr.</th><th>Kommune</th><th>Plan: totalt</th></tr>"
                     f"{plan_rows}</table>")
    return f"""<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;width:100%;margin-bottom:2em}}
td,th{{border:1px solid #999;padding:4px 6px;vertical-align:top;text-align:left}}td.n{{text-align:right}}
@media print{{body{{margin:0}}}}</style></head><body><h1>{html.escape(title)}</h1>
<table><tr><th>Nr.</th><th>Endring</th><th>Fra → til</th><th>Virkning på planen</th></tr>{rows or '<tr><td colspan=4>Ingen endringer.</td></tr>'}</table>
{plan_rows}</body></html>"""
