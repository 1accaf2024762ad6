"""PuLP's HiGHS interface, with the model handed to highspy in bulk.

`pulp.HiGHS` adds the model one column and one row at a time through Python, which costs more
than HiGHS needs to solve the national case. This subclass sends the same columns, rows, bounds
and costs as a handful of array calls; solving, statuses and reading the solution back are
PuLP's own code, unchanged.
"""

from __future__ import annotations

import numpy as np
import pulp

try:
    import highspy
except ImportError:  # CBC is the fallback; solve.py checks availability
    highspy = None


class BulkHiGHS(pulp.HiGHS):
    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        inf = highspy.kHighsInf
        variables = lp.variables()
        for index, var in enumerate(variables):
            var.index = index
        lower = np.array([-inf if v.lowBound is None else v.lowBound for v in variables], dtype=float)
        upper = np.array([inf if v.upBound is None else v.upBound for v in variables], dtype=float)
        sense = -1.0 if lp.sense == pulp.LpMaximize else 1.0
        costs = np.array([sense * lp.objective.get(v, 0.0) for v in variables], dtype=float)
        model = lp.solverModel
        model.addVars(len(variables), lower, upper)
        model.changeColsCost(len(variables), np.arange(len(variables), dtype=np.int32), costs)

        starts, indices, values, row_lower, row_upper = [], [], [], [], []
        for row, constraint in enumerate(lp.constraints.values()):
            constraint.index = row
            starts.append(len(indices))
            for var, coefficient in constraint.items():
                if coefficient != 0:
                    indices.append(var.index)
                    values.append(coefficient)
            lb, ub = constraint.getLb(), constraint.getUb()
            row_lower.append(-inf if lb is None else lb)
            row_upper.append(inf if ub is None else ub)
        model.addRows(
            len(starts), np.array(row_lower, dtype=float), np.array(row_upper, dtype=float), len(indices),
            np.array(starts, dtype=np.int32), np.array(indices, dtype=np.int32), np.array(values, dtype=float),
        )
        integer = [v.index for v in variables if v.cat == pulp.LpInteger]
        if integer and self.mip:
            model.changeColsIntegrality(
                len(integer), np.array(integer, dtype=np.int32),
                np.array([highspy.HighsVarType.kInteger] * len(integer)),
            )
