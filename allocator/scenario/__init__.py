"""The scenario layer: what a county (or the country) is asked to settle and what its
municipalities can take, from files to a validated, immutable `Scenario`.

It owns the data (`data`), reading files as people save them (`readers`: CSV, TOML, xlsx;
`workbook`: the exported workbook read back; `upload`: the app's uploads), every rule a scenario
must meet (`validate`), the fair-share key (`key`), the door in (`load`) and the way back to files
(`write`). Nothing here knows of models, plans or screens: everything above works on a `Scenario`
and never re-reads or re-validates a file.
"""
