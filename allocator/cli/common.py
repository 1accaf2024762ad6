"""What every command of the command line shares: exit codes, reading a scenario (a folder or a
workbook), printing problems, notes and answers, and the checks of an --out path.
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_INVALID = 2
SCENARIO_HELP = "scenariomappe (scenario.toml + municipalities.csv) eller en Excel-arbeidsbok (.xlsx) som appen lagrer"


def print_problems(title: str, exc) -> None:
    from allocator.labels import number

    print(f"{title} ({number(len(exc.problems))} feil):", file=sys.stderr)
    for line in exc.lines():
        print(f"  - {line}", file=sys.stderr)


def print_notes(scenario) -> None:
    for note in scenario.notes:
        print(f"Merk: {note}", file=sys.stderr)


def load(path: str, agreed_minimums: bool = True):
    """A scenario from a folder, or from an Excel workbook (.xlsx) as the app reads an upload.
    `agreed_minimums=False`: minimums that contradict each other are read, not refused (diagnose)."""
    from pathlib import Path

    from allocator.scenario.load import load_scenario

    source = Path(path)
    if source.suffix.lower() == ".xlsx" and not source.is_dir():
        import io

        from allocator.scenario.readers import read_file_bytes
        from allocator.scenario.workbook import read_workbook

        return read_workbook(io.BytesIO(read_file_bytes(source)), label=source.name)
    if source.is_file():
        from allocator.problems import Problem, ScenarioError

        raise ScenarioError([Problem(str(source), message=(
            "ventet en scenariomappe (med scenario.toml og municipalities.csv) eller en Excel-arbeidsbok (.xlsx), ikke en fil "
            f"{source.suffix or 'uten filtype'}" + ("; gi mappen den ligger i" if source.name in ("scenario.toml", "municipalities.csv") else "")))])
    return load_scenario(source, agreed_minimums=agreed_minimums)


def own_files(args: argparse.Namespace) -> tuple:
    """The files of the scenario given (never written over by --out)."""
    from pathlib import Path

    from allocator.scenario.data import MUNICIPALITIES_FILE, SETTINGS_FILE

    source = Path(args.scenario)
    if source.suffix.lower() == ".xlsx" and not source.is_dir():
        return (source,)
    return (source / SETTINGS_FILE, source / MUNICIPALITIES_FILE)


def _exists(exc: Exception) -> str:
    """--out names a file that is there: what to do about it."""
    return f"feil: --out: {exc}; bruk --force for å erstatte den, eller velg et annet filnavn"


def out_allowed(args: argparse.Namespace) -> bool:
    """Before any solving: --out is not one of the scenario's own files (by any spelling), not an
    existing file unless --force, and its folder exists and is writable. Says why on stderr."""
    from pathlib import Path

    from allocator.output.destination import OutputExists, OutputRefused, check_output_path
    from allocator.scenario.data import MUNICIPALITIES_FILE, SETTINGS_FILE

    try:
        check_output_path(args.out, own_files(args), overwrite=args.force)
        if Path(args.out).name.casefold() in (MUNICIPALITIES_FILE, SETTINGS_FILE):
            raise OutputRefused(f"{args.out}: en plan lagret som {Path(args.out).name} ville senere bli lest som en del av et "
                                "scenario (uten kommunenes grenser); velg et annet filnavn, f.eks. plan.csv")
    except OutputExists as exc:
        print(_exists(exc), file=sys.stderr)
        return False
    except OutputRefused as exc:
        print(f"feil: --out: {exc}", file=sys.stderr)
        return False
    return True


def wrote_out(args: argparse.Namespace, write) -> bool:
    """Write the answer to --out (`write(path, overwrite)`), after the work; False, with why on
    stderr, when the file system refuses: a file that appeared meanwhile is still not replaced
    without --force, and a full disk or a missing right is the user's to fix (exit 2)."""
    from allocator.output.destination import OutputExists, WriteError

    try:
        write(args.out, args.force)
    except OutputExists as exc:  # appeared while the answer was made
        print(_exists(exc), file=sys.stderr)
        return False
    except WriteError as exc:
        print(f"feil: {exc}", file=sys.stderr)
        return False
    return True


def write_result(result, as_json: bool) -> None:
    """An answer (explain, diagnose, calibrate) on standard output: its JSON, or its Norwegian lines."""
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n".join(result.lines()) + "\n")


def answer(args, question) -> int:
    """The shape of a command that asks one question of a scenario: read it (a folder or a
    workbook), print its notes, write the answer as text or as JSON (`--json`)."""
    scenario = load(args.scenario)
    print_notes(scenario)
    write_result(question(scenario), args.json)
    return EXIT_OK
