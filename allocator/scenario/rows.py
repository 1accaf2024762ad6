"""The municipality rows of a scenario as numpy arrays (`MunicipalityTable`).

Why arrays and not a DataFrame: the model, the key and the command line read arrays and never
need pandas, whose import alone costs half a second; a pandas copy (`frame`) is made on request,
for the app and the exports.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

if TYPE_CHECKING:
    import pandas as pd  # on demand: heavy to import (see allocator/__init__)


class MunicipalityTable:
    """One row per municipality, as arrays: numeric columns are read-only float arrays (NaN = blank),
    text columns tuples of str ("" = blank). Rows keep the input order; `order` sorts them by
    kommunenummer for the model, so no plan depends on the order of the rows in a file."""

    def __init__(self, numbers: Sequence[str], columns: Mapping[str, Any]):
        self.numbers: tuple[str, ...] = tuple(numbers)
        self._columns: dict[str, np.ndarray | tuple[str, ...]] = {}
        for name, values in columns.items():
            if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
                array = values.astype(float, copy=True)
                array.setflags(write=False)
                self._columns[name] = array
            else:
                self._columns[name] = tuple("" if v is None else str(v) for v in values)
            if len(self._columns[name]) != len(self.numbers):
                raise ValueError(f"column {name} has {len(self._columns[name])} values for {len(self.numbers)} rows")

    def __len__(self) -> int:
        return len(self.numbers)

    def __contains__(self, column: object) -> bool:
        return column in self._columns

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self._columns)

    def is_numeric(self, column: str) -> bool:
        return isinstance(self._columns.get(column), np.ndarray)

    def numeric(self, column: str) -> np.ndarray:
        """A numeric column (NaN = blank); a missing column is all NaN."""
        values = self._columns.get(column)
        if values is None:
            return np.full(len(self), np.nan)
        if not isinstance(values, np.ndarray):
            raise TypeError(f"column {column} is text")
        return values

    def text(self, column: str) -> tuple[str, ...]:
        values = self._columns.get(column)
        if values is None:
            return ("",) * len(self)
        if isinstance(values, np.ndarray):
            return tuple(_format_number(v) for v in values)
        return values

    def raw(self, column: str):
        return self._columns[column]

    @cached_property
    def position(self) -> dict[str, int]:
        return {number: k for k, number in enumerate(self.numbers)}

    @cached_property
    def order(self) -> np.ndarray:
        """Row positions sorted by kommunenummer (the model's order)."""
        return np.array(sorted(range(len(self.numbers)), key=self.numbers.__getitem__), dtype=np.int64)

    def with_columns(self, changes: Mapping[str, Any]) -> "MunicipalityTable":
        columns = dict(self._columns)
        columns.update(changes)
        return MunicipalityTable(self.numbers, columns)

    def frame(self) -> "pd.DataFrame":
        """A pandas copy: index kommunenummer, population as whole numbers, blanks as NaN / ""."""
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        data: dict[str, Any] = {}
        for name, values in self._columns.items():
            if isinstance(values, np.ndarray):
                data[name] = values.astype(np.int64) if name == "population" else values.copy()
            else:
                data[name] = pd.array(values, dtype=object) if not values else list(values)
        return pd.DataFrame(data, index=pd.Index(list(self.numbers), name="kommunenummer"))

    @classmethod
    def from_frame(cls, frame: "pd.DataFrame") -> "MunicipalityTable":
        import pandas as pd  # on demand: heavy to import (see allocator/__init__)

        columns: dict[str, Any] = {}
        for name in frame.columns:
            values = frame[name]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
                columns[str(name)] = values.to_numpy(dtype=float, na_value=np.nan)
            else:
                columns[str(name)] = ["" if (v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA) else str(v)
                                      for v in values.tolist()]
        return cls([str(n) for n in frame.index], columns)


def _format_number(value: float) -> str:
    if value is None or math.isnan(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
