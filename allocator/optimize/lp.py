"""Linear programmes as arrays: written once, handed to HiGHS in one call, or to CBC through PuLP.

Why arrays and not PuLP expressions: measured on the national case (357 municipalities), building
the stage-1 and rounding models as PuLP expressions took about 100 ms and copying them into HiGHS
another 25 ms, against 56 ms inside the solvers; a PuLP-built model could not come near the
solvers' own speed. Here each model is built from numpy arrays in a few milliseconds and passed to
HiGHS as one column-wise matrix. PuLP is still the route to CBC (the fallback when highspy is
missing) and to `.lp`/`.mps` files, built from the same arrays by `to_pulp`, so there is one
model, not two hand-kept copies.

Solving them (HiGHS in process, CBC through PuLP, part by part) is in solvers.py. Columns and
rows are added in named *families* (``x``, ``demand``, ``capacity`` …), so a solution,
its duals and its reduced costs can be read back per family and put beside the scenario's rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

INF = math.inf
#: Seconds a solver may spend on one programme before it stops (the CLI's --time-limit default).
DEFAULT_TIME_LIMIT = 60.0

Labels = Callable[[int], str] | Sequence[str] | None


@dataclass
class _Family:
    start: int
    stop: int
    labels: Labels = None

    def label(self, family: str, k: int) -> str:
        if self.labels is None:
            return f"{family}_{k}"
        return self.labels(k) if callable(self.labels) else self.labels[k]


@dataclass
class LinearProgram:
    """min (or max) c·x subject to row_lower ≤ A x ≤ row_upper and col_lower ≤ x ≤ col_upper."""

    name: str
    maximize: bool = False
    _col_lower: list[np.ndarray] = field(default_factory=list, repr=False)
    _col_upper: list[np.ndarray] = field(default_factory=list, repr=False)
    _cost: list[np.ndarray] = field(default_factory=list, repr=False)
    _integer: list[np.ndarray] = field(default_factory=list, repr=False)
    _row_lower: list[np.ndarray] = field(default_factory=list, repr=False)
    _row_upper: list[np.ndarray] = field(default_factory=list, repr=False)
    _entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list, repr=False)
    columns: dict[str, _Family] = field(default_factory=dict, repr=False)
    rows: dict[str, _Family] = field(default_factory=dict, repr=False)
    num_cols: int = 0
    num_rows: int = 0

    # ---------------------------------------------------------------- building

    def copy(self, name: str | None = None, maximize: bool | None = None) -> "LinearProgram":
        """A programme with the same columns and rows, to extend without changing this one (arrays
        are shared: every change here makes new arrays, never writes into old ones)."""
        new = LinearProgram(name or self.name, self.maximize if maximize is None else maximize)
        for attribute in ("_col_lower", "_col_upper", "_cost", "_integer", "_row_lower", "_row_upper", "_entries"):
            setattr(new, attribute, list(getattr(self, attribute)))
        new.columns, new.rows = dict(self.columns), dict(self.rows)
        new.num_cols, new.num_rows = self.num_cols, self.num_rows
        return new

    def add_columns(self, family: str, count: int, lower=0.0, upper=INF, cost=0.0, integer: bool = False,
                    labels: Labels = None) -> np.ndarray:
        """`count` new variables; returns their column indices."""
        if family in self.columns:
            raise ValueError(f"column family {family!r} exists")
        self._col_lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (count,)).copy())
        self._col_upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (count,)).copy())
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (count,)).copy())
        self._integer.append(np.full(count, integer))
        self.columns[family] = _Family(self.num_cols, self.num_cols + count, labels)
        self.num_cols += count
        return np.arange(self.num_cols - count, self.num_cols)

    def add_rows(self, family: str, lower, upper, rows: np.ndarray, cols: np.ndarray, values,
                 labels: Labels = None) -> np.ndarray:
        """New rows lower_k ≤ Σ values·x[cols] ≤ upper_k, with entries (rows[j], cols[j], values[j])
        and rows[j] numbered within this family (0 … k−1). Returns the rows' indices."""
        if family in self.rows:
            raise ValueError(f"row family {family!r} exists")
        lower, upper = (a.astype(float) for a in np.broadcast_arrays(np.atleast_1d(lower), np.atleast_1d(upper)))
        count = len(lower)
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        values = np.broadcast_to(np.asarray(values, dtype=float), rows.shape).copy()
        self._row_lower.append(lower)
        self._row_upper.append(upper)
        self._entries.append((rows + self.num_rows, cols, values))
        self.rows[family] = _Family(self.num_rows, self.num_rows + count, labels)
        self.num_rows += count
        return np.arange(self.num_rows - count, self.num_rows)

    def add_sum_rows(self, family: str, groups: Sequence[np.ndarray], lower, upper, labels: Labels = None,
                     coefficients: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """One row per entry of `groups`: lower_k ≤ Σ_{j ∈ groups[k]} x_j ≤ upper_k (coefficients 1
        unless given)."""
        lengths = [len(g) for g in groups]
        lower, upper = (np.broadcast_to(np.asarray(v, dtype=float), (len(groups),)) for v in (lower, upper))
        rows = np.repeat(np.arange(len(groups)), lengths)
        cols = np.concatenate(groups) if groups else np.empty(0, dtype=np.int64)
        values = np.concatenate(coefficients) if coefficients is not None and len(coefficients) else 1.0
        return self.add_rows(family, lower, upper, rows, cols, values, labels)

    # ---------------------------------------------------------------- arrays

    def _cat(self, parts: list[np.ndarray], dtype=float) -> np.ndarray:
        return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

    @property
    def col_lower(self) -> np.ndarray:
        return self._cat(self._col_lower)

    @property
    def col_upper(self) -> np.ndarray:
        return self._cat(self._col_upper)

    @property
    def cost(self) -> np.ndarray:
        return self._cat(self._cost)

    @property
    def integer(self) -> np.ndarray:
        return self._cat(self._integer, bool)

    @property
    def row_lower(self) -> np.ndarray:
        return self._cat(self._row_lower)

    @property
    def row_upper(self) -> np.ndarray:
        return self._cat(self._row_upper)

    def set_cost(self, cols: np.ndarray, values) -> None:
        cost = self.cost
        cost[np.asarray(cols)] = values
        self._cost = [cost]

    def add_cost(self, cols: np.ndarray, values) -> None:
        """Add to the cost of columns (a column may be named more than once)."""
        cost = self.cost
        np.add.at(cost, np.asarray(cols), np.broadcast_to(np.asarray(values, dtype=float), np.shape(cols)))
        self._cost = [cost]

    def set_bounds(self, cols: np.ndarray, lower, upper) -> None:
        low, high = self.col_lower, self.col_upper
        low[np.asarray(cols)] = lower
        high[np.asarray(cols)] = upper
        self._col_lower, self._col_upper = [low], [high]

    def set_row_bounds(self, family: str, lower, upper) -> None:
        """New bounds for the rows of one family (e.g. a "≤ request" made "= request")."""
        block = self.rows[family]
        low, high = self.row_lower, self.row_upper
        low[block.start:block.stop] = lower
        high[block.start:block.stop] = upper
        self._row_lower, self._row_upper = [low], [high]

    def add_entries(self, family: str, rows: np.ndarray, cols: np.ndarray, values) -> None:
        """More entries in existing rows of a family (rows numbered within it): e.g. an elastic
        column added to rows the model already has."""
        block = self.rows[family]
        rows = np.asarray(rows, dtype=np.int64)
        self._entries = [*self._entries, (rows + block.start, np.asarray(cols, dtype=np.int64),
                                          np.broadcast_to(np.asarray(values, dtype=float), rows.shape).copy())]

    def set_integer(self, integer: bool = True) -> None:
        self._integer = [np.full(self.num_cols, integer)]

    def triplets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All matrix entries as (row, column, value)."""
        if not self._entries:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty, np.empty(0)
        rows, cols, values = (np.concatenate(part) for part in zip(*self._entries))
        keep = values != 0
        return rows[keep], cols[keep], values[keep]

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The matrix column-wise (starts, row indices, values); duplicate entries are summed."""
        rows, cols, values = self.triplets()
        order = np.lexsort((rows, cols))
        rows, cols, values = rows[order], cols[order], values[order]
        if len(rows) > 1:
            same = (rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])
            if same.any():
                first = np.concatenate([[True], ~same])
                groups = np.cumsum(first) - 1
                values = np.bincount(groups, weights=values)
                rows, cols = rows[first], cols[first]
        starts = np.zeros(self.num_cols + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=self.num_cols), out=starts[1:])
        return starts, rows, values

    def parts(self) -> list[tuple[np.ndarray, "LinearProgram"]]:
        """The programme's independent parts, each as (its columns here, a programme of its own):
        the connected components of the matrix, in order of their first column. Parts share no row,
        so each may be solved alone. Columns, rows and entries are grouped by part with one stable
        sort each (not a scan of the whole programme per part: a national diagnose has some 370
        parts, most of them one column)."""
        from scipy.sparse import coo_matrix  # on demand: heavy to import (see allocator/__init__)
        from scipy.sparse.csgraph import connected_components  # on demand: heavy to import (see allocator/__init__)

        r, c, v = self.triplets()
        size = self.num_rows + self.num_cols
        graph = coo_matrix((np.ones(len(r)), (r, self.num_rows + c)), shape=(size, size))
        count, label = connected_components(graph, directed=False)
        row_label, col_label = label[:self.num_rows], label[self.num_rows:]
        cols_of, col_position = _grouped(col_label, count)
        rows_of, row_position = _grouped(row_label, count)
        entries_of, _ = _grouped(row_label[r], count)
        lower, upper, cost, integer = self.col_lower, self.col_upper, self.cost, self.integer
        row_lower, row_upper = self.row_lower, self.row_upper
        _, first = np.unique(np.concatenate([col_label, row_label]), return_index=True)
        result = []
        for part in np.argsort(first, kind="stable"):  # in order of first column (then of first row)
            cols, rows, entries = cols_of[part], rows_of[part], entries_of[part]
            sub = LinearProgram(f"{self.name}_part", self.maximize)
            sub.add_columns("x", len(cols), lower[cols], upper[cols], cost[cols])
            sub._integer = [integer[cols]]
            sub.add_rows("rows", row_lower[rows], row_upper[rows], row_position[r[entries]], col_position[c[entries]], v[entries])
            result.append((cols, sub))
        return result

    def column_labels(self) -> list[str]:
        return [family.label(name, k) for name, family in self.columns.items() for k in range(family.stop - family.start)]

    def row_labels(self) -> list[str]:
        return [family.label(name, k) for name, family in self.rows.items() for k in range(family.stop - family.start)]

    # ---------------------------------------------------------------- other forms

    def pass_to(self, h) -> None:
        """Hand this programme to a HiGHS instance in one call: a column-wise matrix in the same row
        and column order (the array form of passModel is several times faster than a HighsLp)."""
        starts, index, value = self.csc()
        integer = self.integer.astype(np.int32)  # HighsVarType: 0 continuous, 1 integer
        h.passModel(
            self.num_cols, self.num_rows, len(value), 1, 1, 0.0,  # column-wise, minimise, no offset
            -self.cost if self.maximize else self.cost, self.col_lower, self.col_upper, self.row_lower, self.row_upper,
            starts[:-1].astype(np.int32), index.astype(np.int32), value, integer,
        )

    def to_pulp(self):
        """The same programme as a `pulp.LpProblem` (for CBC, and for writing .lp/.mps files)."""
        import pulp  # on demand: heavy to import (see allocator/__init__)

        problem = pulp.LpProblem(self.name, pulp.LpMaximize if self.maximize else pulp.LpMinimize)
        lower, upper, cost, integer = self.col_lower, self.col_upper, self.cost, self.integer
        variables = [
            problem.add_variable(
                label, lowBound=None if lo == -INF else lo, upBound=None if hi == INF else hi,
                cat=pulp.LpInteger if whole else pulp.LpContinuous,
            )
            for label, lo, hi, whole in zip(self.column_labels(), lower, upper, integer)
        ]
        problem.setObjective(pulp.LpAffineExpression([(v, c) for v, c in zip(variables, cost) if c != 0]))
        starts, index, value = self.csc()
        by_row: list[list[tuple]] = [[] for _ in range(self.num_rows)]
        for col, var in enumerate(variables):
            for k in range(starts[col], starts[col + 1]):
                by_row[index[k]].append((var, value[k]))
        for row, (label, lo, hi) in enumerate(zip(self.row_labels(), self.row_lower, self.row_upper)):
            expression = pulp.LpAffineExpression(by_row[row])
            if lo == hi:
                problem += pulp.LpConstraint(expression, pulp.LpConstraintEQ, label, lo)
            else:
                if lo > -INF:
                    problem += pulp.LpConstraint(expression, pulp.LpConstraintGE, f"{label}_low" if hi < INF else label, lo)
                if hi < INF:
                    problem += pulp.LpConstraint(expression, pulp.LpConstraintLE, label, hi)
        return problem, variables

    def write(self, path: str) -> None:
        """Write the model as .lp or .mps (by extension), through PuLP."""
        problem, _ = self.to_pulp()
        if str(path).lower().endswith(".mps"):
            problem.writeMPS(str(path))
        else:
            problem.writeLP(str(path))


def _grouped(labels: np.ndarray, count: int) -> tuple[list[np.ndarray], np.ndarray]:
    """For labels 0 … count−1: the indices carrying each label (ascending), and each index's place
    among those of its label."""
    order = np.argsort(labels, kind="stable")
    starts = np.searchsorted(labels[order], np.arange(count + 1))
    position = np.empty(len(labels), dtype=np.int64)
    position[order] = np.arange(len(labels)) - starts[labels[order]]
    return [order[starts[k]:starts[k + 1]] for k in range(count)], position
