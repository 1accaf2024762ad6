"""The plan as one table for people: Norwegian headers, whole numbers, the limits in words, and as
CSV for Norwegian Excel (semicolons, decimal commas, BOM) or for other tools (plain).
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np
import pandas as pd

from allocator.labels import LIMIT_LABELS, column_label, number
from allocator.output.report import binding_reasons
from allocator.plan import Plan


def _whole_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns holding only whole numbers (and blanks) as integers: 400, not 400.0, and a
    blank, not nan."""
    frame = frame.copy()
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_float_dtype(values):
            array = values.to_numpy(dtype=float, na_value=np.nan)
            present = array[~np.isnan(array)]
            if np.isfinite(present).all() and (present == np.round(present)).all() and (np.abs(present) < 2**53).all():
                frame[name] = values.astype("Int64")
    return frame


def _about_persons(value: float) -> str:
    count = max(1, math.floor(value + 0.5))
    return f"ca. {number(count)} {'person' if count == 1 else 'personer'}"


def limit_words(codes: Iterable[str]) -> str:
    """Limit codes as Norwegian words: ["max_total", "family_dwellings"] → "maks totalt, familieboliger"."""
    return ", ".join(LIMIT_LABELS[code] for code in codes)


def holding_words(plan: Plan) -> list[str]:
    """Per municipality (table order): the limits that hold it back, most important first, with
    about how many persons each holds back ("familieboliger (ca. 3 personer)")."""
    return [", ".join(f"{LIMIT_LABELS[code]} ({_about_persons(value)})" for code, value in row) for row in plan.holding]


def plan_table(plan: Plan, norwegian: bool = True) -> pd.DataFrame:
    """One row per municipality: the plan as people read it (Norwegian headers, limits as words,
    the reason in plain text) or, with `norwegian=False`, in the codes of the machine contract
    (`binding` and `limited_by` as codes, as in `--json`)."""
    table = plan.municipality_table()
    if norwegian:
        table["binding"] = [limit_words(codes) for codes in plan.binding_codes]
        reasons = binding_reasons(plan)
        at = table.columns.get_loc("lock_reason")
        table.insert(at, "reason", [reasons[n] for n in table.index])
        table.insert(at, "limited_by", holding_words(plan))
    else:
        table["limited_by"] = [", ".join(code for code, _ in row) for row in plan.holding]
    table = _whole_numbers(table.reset_index())
    return table.rename(columns=column_label) if norwegian else table


def _guard_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that Excel would run as a formula when it opens a CSV (=, +, -, @ first) get a
    leading apostrophe, so a lock reason like "-5 fra i fjor" is shown, not turned into #NAVN?."""
    frame = frame.copy()
    for name in frame.columns:
        if pd.api.types.is_object_dtype(frame[name]) or pd.api.types.is_string_dtype(frame[name]):
            frame[name] = [("'" + v) if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in frame[name]]
    return frame


def plan_csv_bytes(plan: Plan, dialect: str = "excel") -> bytes:
    """The municipality table as CSV.

    `excel` (the default): for Norwegian Excel: `;`-separated, decimal comma, UTF-8 with BOM (so
    Excel shows æøå), Norwegian headers and words. `plain`: for other tools: comma-separated,
    decimal point, UTF-8 without BOM, the code headers of the machine contract (kommunenummer,
    adults, binding …).
    """
    if dialect == "excel":
        frame = _guard_text(plan_table(plan, norwegian=True))
        return frame.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n").encode("utf-8-sig")
    if dialect == "plain":
        return plan_table(plan, norwegian=False).to_csv(index=False, lineterminator="\n").encode("utf-8")
    raise ValueError(f"ukjent CSV-form «{dialect}»; bruk excel eller plain")
