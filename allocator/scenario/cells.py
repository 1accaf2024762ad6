"""Reading one cell or setting as the number it means, in Norwegian or in TOML.

`1 474`, `3,5` and `0301` are read as a Norwegian would write them; `1.000` (a thousand or one?) is
refused rather than guessed. Every check of the files goes through these few functions.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

_DIGITS = "0-9"  # ASCII only: a full-width ０３０１ is not 0301
_NUMBER = re.compile(rf"[+-]?(?:[{_DIGITS}]+|[{_DIGITS}]{{1,3}}(?:[ \u00a0\u202f][{_DIGITS}]{{3}})+)(?:[.,][{_DIGITS}]+)?(?:[eE][+-]?[{_DIGITS}]+)?")
#: A count like 1.000 or 2,000: one (two) with decimals, or a thousand (two thousand) with a point or
#: comma between thousands? Refused with a hint rather than guessed.
_SIGN_OR_EXPONENT = re.compile(r"^[+-]|[eE]")
_THOUSANDS_OR_DECIMAL = re.compile(rf"[+-]?[1-9][{_DIGITS}]{{0,2}}[.,][{_DIGITS}]{{3}}")


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _fmt(value: float) -> str:
    """A number as a person reads it: 1 474; 3,5."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", " ")
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").rstrip("0").rstrip(",")


def _is_code(text: str, digits: int = 4) -> bool:
    """Exactly `digits` ASCII digits (a kommunenummer)."""
    return len(text) == digits and text.isascii() and text.isdigit()


def _plain_numbers(cells: list[str]) -> np.ndarray | None:
    """Cells that are all whole ASCII numbers or blank, as floats (NaN for blank), at once; None
    when any cell needs the careful reading of `parse_number`."""
    if all((not text) or (text.isascii() and text.isdigit() and len(text) < 16) for text in cells):
        return np.array([float(text) if text else np.nan for text in cells], dtype=float)
    return None


def parse_number(text: str) -> float | None:
    """A finite number from a cell (decimal comma or point, spaces between thousands), else None."""
    stripped = str(text).strip()
    if stripped.isascii() and stripped.isdigit():  # the common case, fast
        return float(stripped)
    if not _NUMBER.fullmatch(stripped):
        return None
    value = float(re.sub("[ \u00a0\u202f]", "", stripped).replace(",", "."))
    return value if math.isfinite(value) else None


def _toml_number(value: Any) -> float | None:
    """A finite number from TOML; text and booleans are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _toml_whole(value: Any) -> int | None:
    number = _toml_number(value)
    return int(number) if number is not None and number.is_integer() else None


def _got(value: Any) -> str:
    """How a wrong TOML value is described: text is called text, so «"40"» is understood."""
    if isinstance(value, str):
        looks_numeric = parse_number(value) is not None or value.strip().casefold() in ("true", "false")
        return f"tekst «{value}»" + (" (skriv tall uten anførselstegn)" if looks_numeric else "")
    if isinstance(value, bool):
        return f"{'true' if value else 'false'}"
    return repr(value)
