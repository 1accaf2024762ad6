"""Command line: `python -m allocator solve|validate|explain|diagnose|calibrate|new|sweep|consistency|
decisions|year|round2|revise|followup|saved …`.

Exit codes (a contract): 0 a plan was made (also with a shortfall) or the input is valid;
2 the input is invalid (message on stderr naming file, row and column); 1 anything else.

Heavy modules (pandas, the solvers, openpyxl) are imported inside the commands that need them,
so `--help` and `validate` answer at once.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback

from allocator.cli.common import (
    EXIT_ERROR,
    EXIT_INVALID,
    EXIT_OK,
    SCENARIO_HELP,
    load,
    out_allowed,
    print_notes,
    print_problems,
    wrote_out,
)
from allocator.cli.questions import calibrate_command, consistency_command, diagnose_command, explain_command, sweep_command
from allocator.cli.text import NorwegianFormatter, norwegian_argparse
from allocator.cli.year import (
    add_year_parsers,
    decisions_command,
    followup_command,
    revise_command,
    round2_command,
    year_command,
)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", NorwegianFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well: a usage mistake
        self.print_usage(sys.stderr)
        print(f"feil: {message}", file=sys.stderr)
        sys.exit(EXIT_INVALID)


def _parser() -> argparse.ArgumentParser:
    """The commands and their options; metavars are Norwegian capitals (MAPPE, FIL, SEKUNDER …)."""
    parser = _Parser(prog="python -m allocator", description="Fordel en anmodning om bosetting av flyktninger på kommunene.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="KOMMANDO",
                                     title="kommandoer")
    solve = commands.add_parser("solve", help="lag en plan for et scenario")
    solve.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    solve.add_argument("--json", action="store_true", help="skriv planen som JSON på stdout")
    solve.add_argument("--out", metavar="FIL", help="skriv planen til FIL.csv eller FIL.xlsx (aldri over scenariets egne filer)")
    solve.add_argument("--force", action="store_true", help="erstatt FIL om den finnes fra før")
    solve.add_argument("--csv", choices=("excel", "plain"), default=None, metavar="FORM",
                       help="CSV-form: excel (standard: semikolon, desimalkomma, norske overskrifter) "
                            "eller plain (komma, desimalpunktum, kolonnenavn som i --json)")
    solve.add_argument("--solver", choices=("highs", "cbc"), default="highs", metavar="LØSER", help="LP-løser: highs (standard) eller cbc")
    solve.add_argument("--time-limit", type=float, default=60.0, metavar="SEKUNDER", help="tidsgrense per løsning (standard 60)")
    validate = commands.add_parser("validate", help="kontroller input uten å lage en plan")
    validate.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    new = commands.add_parser("new", help="lag en ferdig scenariomappe for et fylke (eller Norge) fra offentlige tall")
    new.add_argument("folder", metavar="MAPPE", help="mappen som skal lages")
    new.add_argument("--fylke", required=True, metavar="FYLKE", help="fylkets navn, f.eks. Vestland, eller Norge for alle fylkene")
    new.add_argument("--year", type=int, default=2026, metavar="ÅR", help="år for anmodningen: 2024, 2025 eller 2026 (standard 2026)")
    new.add_argument("--force", action="store_true", help="skriv over scenariofiler som finnes i mappen fra før")
    sweep = commands.add_parser("sweep", help="planlegg for en rekke totaler: hva skjer om behovet endres?")
    sweep.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    sweep_points = sweep.add_mutually_exclusive_group(required=True)
    sweep_points.add_argument("--totals", metavar="FRA:TIL:STEG",
                              help="totaler å planlegge for, f.eks. 5000:40000:2500 (til og med TIL) eller 8000,13000,40000; høyst 500 punkter")
    sweep_points.add_argument("--range", metavar="LAV:PLAN:HØY",
                              help="planleggingsspenn: hver kommunes tall ved lavt, planlagt og høyt behov, f.eks. 8000:13000:18000")
    sweep.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    sweep.add_argument("--out", metavar="FIL", help="skriv resultatet til FIL.xlsx")
    sweep.add_argument("--force", action="store_true", help="erstatt FIL om den finnes fra før")
    sweep.add_argument("--workers", type=int, default=None, metavar="ANTALL", help="antall prosesser (standard: antall kjerner)")
    consistency = commands.add_parser("consistency", help="behandles like kommuner likt på tvers av fylker?")
    consistency.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP + " (med kolonnene sentralitet eller kostragruppe)")
    consistency.add_argument("--by", choices=("sentralitet", "kostragruppe"), default="sentralitet", metavar="GRUPPERING",
                             help="sammenlign etter sentralitet og størrelse (standard) eller kostragruppe")
    consistency.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    explain = commands.add_parser("explain", help="hvorfor får en kommune sitt tall?")
    explain.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    explain.add_argument("kommunenummer", metavar="KOMMUNENUMMER", help="kommunens nummer, f.eks. 4601")
    explain.add_argument("--json", action="store_true", help="skriv forklaringen som JSON på stdout")
    diagnose = commands.add_parser("diagnose", help="hva er den minste endringen som gjør at alle kan bosettes?")
    diagnose.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    diagnose.add_argument("--json", action="store_true", help="skriv svaret som JSON på stdout")
    calibrate = commands.add_parser("calibrate", help="tilpass nøkkelen til faktiske anmodninger fra et tidligere år")
    calibrate.add_argument("scenario", metavar="MAPPE", help="scenariomappe (scenario.toml + municipalities.csv)")
    calibrate.add_argument("--against", required=True, metavar="KOLONNE", help="kolonnen med faktiske anmodninger, f.eks. anmodning_2024")
    calibrate.add_argument("--columns", metavar="A,B,C", help="kolonnene nøkkelen kan bygges av (standard: alle tallkolonner som beskriver kommunen)")
    calibrate.add_argument("--write", action="store_true",
                           help="skriv den tilpassede nøkkelen inn i scenario.toml (resten av filen beholdes; den gamle blir scenario.toml.bak)")
    calibrate.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    add_year_parsers(commands)
    from allocator.cli.saved import add_parser

    add_parser(commands)
    return parser


def _solve(args: argparse.Namespace) -> int:
    from allocator.optimize.solve import solve

    if args.out and not args.out.lower().endswith((".csv", ".xlsx")):
        print(f"feil: --out {args.out}: ventet et filnavn som slutter på .csv eller .xlsx", file=sys.stderr)
        return EXIT_INVALID
    if args.csv and not (args.out or "").lower().endswith(".csv"):
        print("feil: --csv gjelder bare sammen med --out FIL.csv", file=sys.stderr)
        return EXIT_INVALID
    if args.out and not out_allowed(args):
        return EXIT_INVALID
    scenario = load(args.scenario)
    print_notes(scenario)
    plan = solve(scenario, solver=args.solver, time_limit=args.time_limit)
    if args.out:
        from allocator.output.destination import write_plan

        if not wrote_out(args, lambda path, overwrite: write_plan(plan, path, csv=args.csv or "excel", overwrite=overwrite)):
            return EXIT_INVALID
    if args.json:
        sys.stdout.write(json.dumps(plan.to_dict(), ensure_ascii=False) + "\n")
    else:
        from allocator.output.report import render_text

        sys.stdout.write(render_text(plan))
        if args.out:
            print(f"Skrev {args.out}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from allocator.labels import count
    from allocator.optimize.solve import check_feasible

    scenario = load(args.scenario)
    print_notes(scenario)
    check_feasible(scenario)  # locks and minimums that cannot be met together: what solve would refuse
    print(f"{scenario.name}: gyldig ({count(len(scenario.table), 'kommune', 'kommuner')}, "
          f"{count(scenario.total_request, 'person', 'personer')} i anmodningen)")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    """A ready scenario folder; an empty path is refused (it would write into the current folder),
    and a folder this command made is removed again when writing fails (a full disk)."""
    import shutil
    from pathlib import Path

    from allocator.files import os_reason
    from allocator.scenario.catalog import ScenarioExists, write_new_scenario
    from allocator.scenario.national import CatalogError, resolve_county

    if not args.folder.strip():
        print("feil: ventet et navn på mappen som skal lages, f.eks. mappe/vestland", file=sys.stderr)
        return EXIT_INVALID
    folder = Path(args.folder)
    if folder.is_dir() and not args.force:  # `new .` in a project folder: never scatter files among others
        from allocator.scenario.data import MUNICIPALITIES_FILE, SETTINGS_FILE

        others = sorted(p.name for p in folder.iterdir() if p.name not in (SETTINGS_FILE, MUNICIPALITIES_FILE))
        if others:
            shown = ", ".join(others[:3]) + (" …" if len(others) > 3 else "")
            print(f"feil: mappen {folder} finnes og har andre filer ({shown}); velg en ny eller tom mappe "
                  "(bruk --force for å skrive scenarioet der likevel)", file=sys.stderr)
            return EXIT_INVALID
    created = next((p for p in reversed((folder, *folder.parents)) if not os.path.lexists(p)), None)
    try:
        county = resolve_county(args.fylke)
        written = write_new_scenario(folder, county, args.year, force=args.force)
    except CatalogError as exc:
        hint = " (bruk --force for å erstatte filene)" if isinstance(exc, ScenarioExists) else ""
        print(f"feil: {exc}{hint}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        if created is not None and created.is_dir():
            shutil.rmtree(created, ignore_errors=True)
        print(f"feil: kunne ikke skrive scenarioet i {folder}: {os_reason(exc)}", file=sys.stderr)
        return EXIT_INVALID
    print(f"Skrev et scenario for {county} {args.year} i {written}")
    return EXIT_OK


def _saved(args: argparse.Namespace) -> int:
    from allocator.cli.saved import run

    return run(args)


COMMANDS = {"calibrate": calibrate_command, "diagnose": diagnose_command, "explain": explain_command, "solve": _solve, "validate": _validate,
            "new": _new, "sweep": sweep_command, "consistency": consistency_command,
            "decisions": decisions_command, "year": year_command, "round2": round2_command, "revise": revise_command, "followup": followup_command, "saved": _saved}


class Interrupted(Exception):
    """SIGTERM or SIGHUP: raised where the program is, so every `finally` runs (temporary files go)."""


def _interrupt(signum, frame) -> None:
    raise Interrupted(signal.Signals(signum).name)


def main(argv: list[str] | None = None) -> int:
    with norwegian_argparse():
        args = _parser().parse_args(argv)
    from allocator.files import os_reason
    from allocator.problems import ScenarioError

    caught = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]  # no SIGHUP on Windows
    previous = {number: signal.signal(number, _interrupt) for number in caught} if _main_thread() else {}
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing is wrong
        sys.stderr.close()
        return EXIT_OK
    except ScenarioError as exc:
        print_problems("Ugyldig scenario", exc)
        return EXIT_INVALID
    except OSError as exc:  # permission, full disk, a folder where a file should be: the user can fix it
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"feil: {where}{os_reason(exc)}", file=sys.stderr)
        return EXIT_INVALID
    except (KeyboardInterrupt, Interrupted):
        print("feil: avbrutt; ingen halvferdige filer er lagt igjen", file=sys.stderr)
        return EXIT_ERROR
    except MemoryError:
        print("feil: ikke nok minne til denne oppgaven (prøv et mindre scenario eller færre punkter)", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # noqa: BLE001 - anything else is exit 1, with a message, not a traceback
        print(f"feil: {exc or type(exc).__name__}", file=sys.stderr)
        if os.environ.get("ALLOCATOR_DEBUG"):
            traceback.print_exc()
        return EXIT_ERROR
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def run() -> None:
    """The `bosetting` console script (the same as `python -m allocator`)."""
    sys.exit(main())


if __name__ == "__main__":
    run()
