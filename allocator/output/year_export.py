"""The second round's additional requests as an Excel file, ready to send (Norwegian headers)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd

from allocator.output.destination import _write
from allocator.output.workbook import _tidy


def round2_frame(result) -> pd.DataFrame:
    """One row per municipality asked: its decision, the extra persons asked (of them minors), its
    offer and its new number."""
    rows = [{"Kommunenr.": a["kommunenummer"], "Kommune": a["kommune"], "Fylke": a["fylke"],
             "Vedtak": a["vedtak"], "Tilleggsanmodning": a["extra"], "Av dem enslige mindreårige": a["extra_minors"],
             "Kan ta flere (oppgitt)": a["offered"], "Nytt tall": a["after"]} for a in result.asks()]
    columns = ["Kommunenr.", "Kommune", "Fylke", "Vedtak", "Tilleggsanmodning", "Av dem enslige mindreårige",
               "Kan ta flere (oppgitt)", "Nytt tall"]
    return pd.DataFrame(rows, columns=columns)


def round2_workbook_bytes(result) -> bytes:
    summary = pd.DataFrame([
        {"Hva": "Gap (anmodet − vedtatt)", "Personer": result.gap},
        {"Hva": "Av dem enslige mindreårige", "Personer": result.gap_minors},
        {"Hva": "Tilleggsanmodning i alt", "Personer": result.placed},
        {"Hva": "Ikke plassert", "Personer": result.unplaced},
    ])
    flows = pd.DataFrame([{"Fra fylke": f["from"], "Til fylke": f["to"],
                           "Gruppe": "enslige mindreårige" if f["group"] == "minors" else "andre", "Personer": f["persons"]}
                          for f in result.flows], columns=["Fra fylke", "Til fylke", "Gruppe", "Personer"])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        round2_frame(result).to_excel(writer, sheet_name="tilleggsanmodning", index=False)
        summary.to_excel(writer, sheet_name="sammendrag", index=False)
        if len(flows):
            flows.to_excel(writer, sheet_name="over fylkesgrensen", index=False)
        _tidy(writer)
    return buffer.getvalue()


def write_round2(result, path: str | os.PathLike, overwrite: bool = False) -> Path:
    """Write the additional requests to .xlsx atomically; an existing file only with `overwrite`."""
    path = Path(path)
    _write(path, round2_workbook_bytes(result), overwrite)
    return path
