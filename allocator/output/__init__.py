"""The output layer: a plan and its scenario as files and text for people.

The Excel workbook and CSV exports (`export`), the command line's plain-text report (`report`),
where scenarios are saved and shared (`store`) and the ready scenarios made from the national
table the project carries (`catalog`, the `new` command).
"""
