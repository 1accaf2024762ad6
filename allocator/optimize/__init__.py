"""The optimisation layer: from a `Scenario` to a `Plan`, in whole persons.

`lp` is the array-built linear programme handed to HiGHS (or CBC); `model` states the allocation
model (persons per municipality and group within every limit, flows across county borders);
`run` picks the solver and solves stage 1 (the most persons the limits allow); `targets` is the
fair-split QP (Clarabel); `grant` buys dwellings with the housing grant as a step before the plan;
`quarters` schedules the yearly plan over the quarters; `solve` is the pipeline that calls these
steps in order and writes the result into a `Plan`.
"""
