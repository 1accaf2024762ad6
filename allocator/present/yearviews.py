"""The year's tables for the app, with Norwegian headers (the app's «Året» view only lays them out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.labels import number


def _blank(value: float):
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else int(value)


def _rows(numbers, counties, fylke: str | None) -> list[int]:
    return [k for k in sorted(range(len(numbers)), key=numbers.__getitem__) if not fylke or counties[k] == fylke]


def status_frame(state, fylke: str | None = None) -> pd.DataFrame:
    """Per municipality: request, decision, status, settled, stated extra capacity."""
    d = state.data
    rows = [{"Kommunenr.": d.numbers[k], "Kommune": d.names[k], "Fylke": d.counties[k], "Anmodet": _blank(d.anmodning[k]),
             "Vedtatt": _blank(d.vedtak[k]), "Status": state.status[k], "Bosatt": int(d.settled[k]),
             "Kan ta flere": _blank(d.kan_ta_flere[k])} for k in _rows(d.numbers, d.counties, fylke)]
    return pd.DataFrame(rows, columns=["Kommunenr.", "Kommune", "Fylke", "Anmodet", "Vedtatt", "Status", "Bosatt", "Kan ta flere"])


def county_frame(state, fylke: str | None = None) -> pd.DataFrame:
    """Per county (and in total): asked, decided, pending, the gap (of it minors), settled."""
    rows = [{"Fylke": c["fylke"] or "Hele scenarioet", "Anmodet": c["anmodning"], "Vedtatt": c["vedtak"],
             "Avventer vedtak": c["avventer"], "Gap": c["gap"], "Gap EM": c["gap_minors"], "Bosatt": c["bosatt"]}
            for c in state.counties if not fylke or c["fylke"] == fylke]
    if not fylke and len(state.counties) > 1:
        t = state.total
        rows.append({"Fylke": "Totalt", "Anmodet": t["anmodning"], "Vedtatt": t["vedtak"], "Avventer vedtak": t["avventer"],
                     "Gap": t["gap"], "Gap EM": t["gap_minors"], "Bosatt": t["bosatt"]})
    return pd.DataFrame(rows)


def revise_frame(revision) -> pd.DataFrame:
    """Before → after per municipality, the changed first (largest change first)."""
    rows = [{"Kommunenr.": revision.numbers[k], "Kommune": revision.names[k], "Fylke": revision.counties[k],
             "Før": int(revision.before[k]), "Etter": int(revision.after[k]),
             "Endring": int(revision.after[k] - revision.before[k]), "Bosatt": int(revision.settled[k])}
            for k in revision.rows.tolist()]
    frame = pd.DataFrame(rows, columns=["Kommunenr.", "Kommune", "Fylke", "Før", "Etter", "Endring", "Bosatt"])
    return frame.sort_values(["Endring", "Kommunenr."], key=lambda s: -s.abs() if s.name == "Endring" else s).reset_index(drop=True)


def followup_frame(result, fylke: str | None = None) -> pd.DataFrame:
    """Per municipality: the agreement, settled per quarter, behind/ahead, bonus, deduction, projection."""
    d = result.data
    rows = []
    for k in _rows(d.numbers, d.counties, fylke):
        row = {"Kommunenr.": d.numbers[k], "Kommune": d.names[k], "Fylke": d.counties[k], "Avtalt": int(result.agreed[k])}
        row.update({f"Bosatt K{q + 1}": _blank(result.settled[k, q]) for q in range(4)})
        row.update({"Bak (−) / foran": int(result.behind[k]), "Bonus (kr)": float(result.bonus[k]),
                    "Trekk (kr)": float(result.deduction[k]), "Fremskrevet": int(result.projected[k])})
        rows.append(row)
    return pd.DataFrame(rows)


def range_frame(result, fylke: str | None = None) -> pd.DataFrame:
    """Each municipality's number at the low, planning and high figure."""
    low, plan, high = (number(v) for v in result.figures)
    rows = [{"Kommunenr.": result.kommunenummer[k], "Kommune": result.names[k], "Fylke": result.counties[k],
             f"Lav ({low})": int(result.numbers[k, 0]), f"Plan ({plan})": int(result.numbers[k, 1]),
             f"Høy ({high})": int(result.numbers[k, 2])} for k in _rows(result.kommunenummer, result.counties, fylke)]
    return pd.DataFrame(rows)
