"""The analysis layer: questions asked of a scenario and its plans.

Why a municipality gets its number (`explain`), the least change that places everyone
(`diagnose`), a key fitted to real requests (`calibrate`), plans over a range of totals (`sweep`),
municipalities far from their peers (`consistency`) and plans side by side (`compare`). Each
answer that changes the scenario returns a new `Scenario` and solves it through `optimize`.
"""
