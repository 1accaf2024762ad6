"""The commands that ask a question of a scenario: sweep, consistency, explain, diagnose, calibrate.

Each reads the scenario, prints its notes, asks `allocator.analysis` and writes the answer as text
or JSON; a mistake on the command line (an unknown municipality or column, a bad --totals) is
exit 2 with the one probably meant. The analyses are imported inside the commands: they pull in
the solvers and scipy, which `--help` and `validate` do not need.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from allocator.cli.common import EXIT_INVALID, EXIT_OK, load, out_allowed, print_notes, write_result, wrote_out
from allocator.cli.year import range_command


def sweep_command(args: argparse.Namespace) -> int:
    from allocator.analysis.sweep import parse_totals, sweep, sweep_dict

    if args.range:
        return range_command(args)

    try:
        totals = parse_totals(args.totals)
    except ValueError as exc:
        print(f"feil: --totals: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.out and not args.out.lower().endswith(".xlsx"):
        print(f"feil: --out {args.out}: ventet et filnavn som slutter på .xlsx", file=sys.stderr)
        return EXIT_INVALID
    if args.workers is not None:  # each process holds a plan: never more of them than cores (bounded memory)
        cores = os.cpu_count() or 1
        if args.workers < 1:
            print(f"feil: --workers {args.workers}: ventet et antall prosesser fra 1", file=sys.stderr)
            return EXIT_INVALID
        if args.workers > cores:
            from allocator.labels import count

            print(f"Merk: --workers {args.workers} er flere enn maskinens {count(cores, 'kjerne', 'kjerner')}; "
                  f"bruker {cores}.", file=sys.stderr)
            args.workers = cores
    if args.out and not out_allowed(args):
        return EXIT_INVALID
    scenario = load(args.scenario)
    print_notes(scenario)
    from tqdm import tqdm  # on demand: heavy to import (see allocator/__init__)

    with tqdm(total=len(totals), desc="Planlegger", unit="punkt", file=sys.stderr, disable=None, leave=False) as bar:
        points = sweep(scenario, totals, workers=args.workers, progress=lambda done, count: bar.update(done - bar.n))
    if args.out:
        from allocator.output.destination import write_sweep

        if not wrote_out(args, lambda path, overwrite: write_sweep(points, path, overwrite=overwrite)):
            return EXIT_INVALID
    if args.json:
        sys.stdout.write(json.dumps(sweep_dict(points), ensure_ascii=False) + "\n")
    else:
        from allocator.output.report import sweep_text

        sys.stdout.write(sweep_text(scenario, points))
        if args.out:
            print(f"Skrev {args.out}")
    return EXIT_OK


def consistency_command(args: argparse.Namespace) -> int:
    from allocator.analysis.consistency import consistency, consistency_text
    from allocator.optimize.solve import solve

    scenario = load(args.scenario)
    print_notes(scenario)
    result = consistency(solve(scenario), args.by)
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(consistency_text(result))
    return EXIT_OK


def explain_command(args: argparse.Namespace) -> int:
    from allocator.analysis.explain import explain
    from allocator.scenario.table import padded_kommunenummer

    scenario = load(args.scenario)
    print_notes(scenario)
    number = padded_kommunenummer(args.kommunenummer)
    if number not in scenario.table.position:
        print(f"feil: {unknown_municipality(scenario, args.kommunenummer)}", file=sys.stderr)
        return EXIT_INVALID
    write_result(explain(scenario, number), args.json)
    return EXIT_OK


def unknown_municipality(scenario, typed: str) -> str:
    """«9999 finnes ikke i scenarioet», with the municipality probably meant (by number or name)."""
    import difflib

    table = scenario.table
    names = dict(zip(table.numbers, table.text("kommune")))
    by_name = {name.casefold(): number for number, name in names.items()}
    typed = typed.strip()
    if typed.casefold() in by_name:
        number = by_name[typed.casefold()]
        return f"«{typed}» er et navn; bruk kommunenummeret: {number} ({names[number]})"
    close = difflib.get_close_matches(typed, list(names), n=1, cutoff=0.75) or [
        by_name[n] for n in difflib.get_close_matches(typed.casefold(), list(by_name), n=1, cutoff=0.75)]
    hint = f"; mente du {close[0]} ({names[close[0]]})?" if close else ""
    return f"kommunenummer {typed} finnes ikke i scenarioet {scenario.name}{hint}"


def diagnose_command(args: argparse.Namespace) -> int:
    from allocator.analysis.diagnose import diagnose

    # Minimums and locks that contradict each other are what diagnose is for: read them, then say
    # which to relax (exit 0), instead of refusing the scenario as solve must
    scenario = load(args.scenario, agreed_minimums=False)
    print_notes(scenario)
    write_result(diagnose(scenario), args.json)
    return EXIT_OK


def calibrate_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from allocator.analysis.calibrate import calibrate, write_key
    from allocator.scenario.data import SETTINGS_FILE
    from allocator.scenario.load import load_scenario
    from allocator.scenario.tomledit import check_replaceable

    scenario = load_scenario(args.scenario)
    print_notes(scenario)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    unknown = unknown_columns(scenario, [args.against.strip(), *(columns or [])])
    if unknown:
        for line in unknown:
            print(f"feil: {line}", file=sys.stderr)
        return EXIT_INVALID
    from allocator.problems import ScenarioError

    settings = Path(args.scenario) / SETTINGS_FILE
    try:
        if args.write:
            check_replaceable(settings, "key")  # before the fit: a refusal comes at once
        calibration = calibrate(scenario, args.against.strip(), columns)
        if args.write:
            write_key(settings, calibration)
    except ScenarioError as exc:
        if not args.write or not all(p.file == SETTINGS_FILE and "filen er ikke endret" in p.message for p in exc.problems):
            raise
        for problem in exc.problems:  # the file cannot be rewritten: not an invalid scenario
            print(f"feil: --write: {problem}", file=sys.stderr)
        return EXIT_INVALID
    write_result(calibration, args.json)
    if args.write and not args.json:
        print(f"Skrev nøkkelen inn i {Path(args.scenario) / SETTINGS_FILE}")
    return EXIT_OK


def unknown_columns(scenario, names: list[str]) -> list[str]:
    """Columns named on the command line that the table does not have, with the one probably meant."""
    import difflib

    present = list(scenario.table.columns)
    lines = []
    for name in names:
        if name not in present:
            close = difflib.get_close_matches(name, present, n=1, cutoff=0.7)
            hint = f"; mente du «{close[0]}»?" if close else f" (kolonnene er: {', '.join(present)})"
            lines.append(f"kolonnen «{name}» finnes ikke i municipalities.csv{hint}")
    return lines
