"""The largest values a scenario may hold: one home for the files' checks and the app's inputs.

A widget's range comes from here, so a value the files accept is a value the screen can show.
"""

from __future__ import annotations

# Documented ranges (README, "Writing a scenario"): beyond them a value is a typing error.
MAX_PERSONS = 10_000_000  # requests, limits, dwellings, places, locks
MAX_POPULATION = 100_000_000
MAX_KEY_VALUE = 1e12  # a value in a key column
MAX_WEIGHT = 1_000.0
MAX_EXPONENT = 5.0
MAX_PERSONS_PER_DWELLING = 50.0
MAX_NOK = 1e10
MAX_TIMELINESS_WEIGHT = 1_000.0
