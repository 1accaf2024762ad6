"""Command line: `python -m allocator solve|validate|explain|diagnose|calibrate|new|sweep|consistency …`.

Exit codes (a contract): 0 a plan was made (also with a shortfall) or the input is valid;
2 the input is invalid (message on stderr naming file, row and column); 1 anything else.

Heavy modules (pandas, the solvers, openpyxl) are imported inside the commands that need them,
so `--help` and `validate` answer at once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well: a usage mistake
        self.print_usage(sys.stderr)
        print(f"feil: {message}", file=sys.stderr)
        sys.exit(EXIT_INVALID)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m allocator", description="Fordel en anmodning om bosetting av flyktninger på kommunene.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    solve = commands.add_parser("solve", help="lag en plan for et scenario")
    solve.add_argument("scenario", help="scenariomappe (scenario.toml + municipalities.csv)")
    solve.add_argument("--json", action="store_true", help="skriv planen som JSON på stdout")
    solve.add_argument("--out", metavar="FIL", help="skriv planen til FIL.csv eller FIL.xlsx (aldri over scenariets egne filer)")
    solve.add_argument("--force", action="store_true", help="erstatt FIL om den finnes fra før")
    solve.add_argument("--csv", choices=("excel", "plain"), default=None,
                       help="CSV-form: excel (standard: semikolon, desimalkomma, norske overskrifter) "
                            "eller plain (komma, desimalpunktum, kolonnenavn som i --json)")
    solve.add_argument("--solver", choices=("highs", "cbc"), default="highs", help="LP-løser (standard: highs)")
    solve.add_argument("--time-limit", type=float, default=60.0, help="tidsgrense per løsning i sekunder")
    validate = commands.add_parser("validate", help="kontroller input uten å lage en plan")
    validate.add_argument("scenario", help="scenariomappe")
    new = commands.add_parser("new", help="lag en ferdig scenariomappe for et fylke (eller Norge) fra offentlige tall")
    new.add_argument("folder", help="mappen som skal lages")
    new.add_argument("--fylke", required=True, help="fylkets navn, f.eks. Vestland, eller Norge for alle fylkene")
    new.add_argument("--year", type=int, default=2026, help="år for anmodningen: 2024, 2025 eller 2026 (standard 2026)")
    new.add_argument("--force", action="store_true", help="skriv over scenariofiler som finnes i mappen fra før")
    sweep = commands.add_parser("sweep", help="planlegg for en rekke totaler: hva skjer om behovet endres?")
    sweep.add_argument("scenario", help="scenariomappe")
    sweep.add_argument("--totals", required=True, metavar="FRA:TIL:STEG",
                       help="totaler å planlegge for, f.eks. 5000:40000:2500 (til og med TIL) eller 8000,13000,40000")
    sweep.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    sweep.add_argument("--out", metavar="FILE", help="skriv resultatet til FILE.xlsx")
    sweep.add_argument("--force", action="store_true", help="erstatt FILE om den finnes fra før")
    sweep.add_argument("--workers", type=int, default=None, help="antall prosesser (standard: antall kjerner)")
    consistency = commands.add_parser("consistency", help="behandles like kommuner likt på tvers av fylker?")
    consistency.add_argument("scenario", help="scenariomappe (med kolonnene sentralitet eller kostragruppe)")
    consistency.add_argument("--by", choices=("sentralitet", "kostragruppe"), default="sentralitet",
                             help="sammenlign etter sentralitet og størrelse (standard) eller KOSTRA-gruppe")
    consistency.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    explain = commands.add_parser("explain", help="hvorfor får en kommune sitt tall?")
    explain.add_argument("scenario", help="scenariomappe")
    explain.add_argument("kommunenummer", help="kommunens nummer, f.eks. 4601")
    explain.add_argument("--json", action="store_true", help="skriv forklaringen som JSON på stdout")
    diagnose = commands.add_parser("diagnose", help="hva er den minste endringen som gjør at alle kan bosettes?")
    diagnose.add_argument("scenario", help="scenariomappe")
    diagnose.add_argument("--json", action="store_true", help="skriv svaret som JSON på stdout")
    calibrate = commands.add_parser("calibrate", help="tilpass nøkkelen til faktiske anmodninger fra et tidligere år")
    calibrate.add_argument("scenario", help="scenariomappe")
    calibrate.add_argument("--against", required=True, metavar="KOLONNE", help="kolonnen med faktiske anmodninger, f.eks. anmodning_2024")
    calibrate.add_argument("--columns", metavar="A,B,C", help="kolonnene nøkkelen kan bygges av (standard: alle tallkolonner som beskriver kommunen)")
    calibrate.add_argument("--write", action="store_true", help="skriv den tilpassede nøkkelen inn i scenario.toml (resten av filen beholdes)")
    calibrate.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    return parser


def _print_problems(title: str, exc) -> None:
    print(f"{title} ({len(exc.problems)} feil):", file=sys.stderr)
    for line in exc.lines():
        print(f"  - {line}", file=sys.stderr)


def _print_notes(scenario) -> None:
    for note in scenario.notes:
        print(f"Merk: {note}", file=sys.stderr)


def _solve(args: argparse.Namespace) -> int:
    from .scenario import load_scenario
    from .solve import solve

    if args.out and not args.out.lower().endswith((".csv", ".xlsx")):
        print(f"feil: --out {args.out}: ventet et filnavn som slutter på .csv eller .xlsx", file=sys.stderr)
        return EXIT_INVALID
    if args.csv and not (args.out or "").lower().endswith(".csv"):
        print("feil: --csv gjelder bare sammen med --out FIL.csv", file=sys.stderr)
        return EXIT_INVALID
    if args.out and not _out_allowed(args):
        return EXIT_INVALID
    scenario = load_scenario(args.scenario)
    _print_notes(scenario)
    plan = solve(scenario, solver=args.solver, time_limit=args.time_limit)
    if args.out:
        from .export import OutputExists, WriteError, write_plan

        try:
            write_plan(plan, args.out, csv=args.csv or "excel", overwrite=args.force)
        except OutputExists as exc:  # appeared while the plan was made: still not replaced
            print(f"feil: --out: {exc}; bruk --force for å erstatte den, eller velg et annet filnavn", file=sys.stderr)
            return EXIT_INVALID
        except WriteError as exc:
            print(f"feil: {exc}", file=sys.stderr)
            return EXIT_ERROR
    if args.json:
        sys.stdout.write(json.dumps(plan.to_dict(), ensure_ascii=False) + "\n")
    else:
        from .report import render_text

        sys.stdout.write(render_text(plan))
        if args.out:
            print(f"Skrev {args.out}")
    return EXIT_OK


def _out_allowed(args: argparse.Namespace) -> bool:
    """Before any solving: --out is not one of the scenario's own files (by any spelling), not an
    existing file unless --force, and its folder exists and is writable. Says why on stderr."""
    from pathlib import Path

    from .export import OutputExists, OutputRefused, check_output_path
    from .scenario import MUNICIPALITIES_FILE, SETTINGS_FILE

    folder = Path(args.scenario)
    try:
        check_output_path(args.out, (folder / SETTINGS_FILE, folder / MUNICIPALITIES_FILE), overwrite=args.force)
    except OutputExists as exc:
        print(f"feil: --out: {exc}; bruk --force for å erstatte den, eller velg et annet filnavn", file=sys.stderr)
        return False
    except OutputRefused as exc:
        print(f"feil: --out: {exc}", file=sys.stderr)
        return False
    return True


def _validate(args: argparse.Namespace) -> int:
    from .labels import number
    from .scenario import load_scenario
    from .solve import check_feasible

    scenario = load_scenario(args.scenario)
    _print_notes(scenario)
    check_feasible(scenario)  # locks and minimums that cannot be met together: what solve would refuse
    print(f"{scenario.name}: gyldig ({number(len(scenario.table))} kommuner, "
          f"{number(scenario.total_request)} personer i anmodningen)")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from .catalog import CatalogError, ScenarioExists, write_new_scenario

    try:
        folder = write_new_scenario(args.folder, args.fylke, args.year, force=args.force)
    except CatalogError as exc:
        hint = " (bruk --force for å erstatte filene)" if isinstance(exc, ScenarioExists) else ""
        print(f"feil: {exc}{hint}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Skrev et scenario for {args.fylke} {args.year} i {folder}")
    return EXIT_OK


def _sweep(args: argparse.Namespace) -> int:
    from .scenario import load_scenario
    from .sweep import parse_totals, sweep, sweep_dict

    try:
        totals = parse_totals(args.totals)
    except ValueError as exc:
        print(f"feil: --totals: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.out and not args.out.lower().endswith(".xlsx"):
        print(f"feil: --out {args.out}: ventet et filnavn som slutter på .xlsx", file=sys.stderr)
        return EXIT_INVALID
    if args.out and not _out_allowed(args):
        return EXIT_INVALID
    scenario = load_scenario(args.scenario)
    _print_notes(scenario)
    from tqdm import tqdm

    with tqdm(total=len(totals), desc="Planlegger", unit="punkt", file=sys.stderr, disable=None, leave=False) as bar:
        points = sweep(scenario, totals, workers=args.workers, progress=lambda done, count: bar.update(done - bar.n))
    if args.out:
        from .export import OutputExists, WriteError, write_sweep

        try:
            write_sweep(points, args.out, overwrite=args.force)
        except OutputExists as exc:  # appeared while the sweep ran: still not replaced
            print(f"feil: --out: {exc}; bruk --force for å erstatte den, eller velg et annet filnavn", file=sys.stderr)
            return EXIT_INVALID
        except WriteError as exc:
            print(f"feil: {exc}", file=sys.stderr)
            return EXIT_ERROR
    if args.json:
        sys.stdout.write(json.dumps(sweep_dict(points), ensure_ascii=False) + "\n")
    else:
        from .report import sweep_text

        sys.stdout.write(sweep_text(scenario, points))
        if args.out:
            print(f"Skrev {args.out}")
    return EXIT_OK


def _consistency(args: argparse.Namespace) -> int:
    from .consistency import consistency, consistency_text
    from .scenario import load_scenario
    from .solve import solve

    scenario = load_scenario(args.scenario)
    _print_notes(scenario)
    result = consistency(solve(scenario), args.by)
    if args.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(consistency_text(result))
    return EXIT_OK


def _write_result(result, as_json: bool) -> None:
    """An answer (explain, diagnose, calibrate) on standard output: its JSON, or its Norwegian lines."""
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n".join(result.lines()) + "\n")


def _explain(args: argparse.Namespace) -> int:
    from .explain import explain
    from .scenario import load_scenario

    from .validate import padded_kommunenummer

    scenario = load_scenario(args.scenario)
    _print_notes(scenario)
    _write_result(explain(scenario, padded_kommunenummer(args.kommunenummer)), args.json)
    return EXIT_OK


def _diagnose(args: argparse.Namespace) -> int:
    from .diagnose import diagnose
    from .scenario import load_scenario

    # Minimums and locks that contradict each other are what diagnose is for: read them, then say
    # which to relax (exit 0), instead of refusing the scenario as solve must
    scenario = load_scenario(args.scenario, agreed_minimums=False)
    _print_notes(scenario)
    _write_result(diagnose(scenario), args.json)
    return EXIT_OK


def _calibrate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .calibrate import calibrate, write_key
    from .scenario import SETTINGS_FILE, load_scenario

    scenario = load_scenario(args.scenario)
    _print_notes(scenario)
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    calibration = calibrate(scenario, args.against.strip(), columns)
    if args.write:
        write_key(Path(args.scenario) / SETTINGS_FILE, calibration)
    _write_result(calibration, args.json)
    if args.write and not args.json:
        print(f"Skrev nøkkelen inn i {Path(args.scenario) / SETTINGS_FILE}")
    return EXIT_OK


COMMANDS = {"calibrate": _calibrate, "diagnose": _diagnose, "explain": _explain, "solve": _solve, "validate": _validate, "new": _new, "sweep": _sweep, "consistency": _consistency}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .problems import ScenarioError

    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing is wrong
        sys.stderr.close()
        return EXIT_OK
    except ScenarioError as exc:
        _print_problems("Ugyldig scenario", exc)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - anything else is exit 1, with a message, not a traceback
        print(f"feil: {exc}", file=sys.stderr)
        if os.environ.get("ALLOCATOR_DEBUG"):
            traceback.print_exc()
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
