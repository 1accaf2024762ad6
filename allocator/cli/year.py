"""The settlement year's commands: decisions, year, round2, revise, followup and sweep --range.
"""

from __future__ import annotations

import argparse
import sys

from allocator.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    SCENARIO_HELP,
    answer,
    load,
    out_allowed,
    print_notes,
    print_problems,
    write_result,
    wrote_out,
)


def add_year_parsers(commands) -> None:
    """The settlement year's commands: decisions, year, round2, revise, followup."""
    decisions = commands.add_parser("decisions", help="les IMDis liste over anmodninger, vedtak og bosatte inn i scenariet")
    decisions.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    decisions.add_argument("file", metavar="FIL", help="listen fra IMDi (CSV eller .xlsx med Fylke, Kommune, Anmodet, Vedtatt, Bosatte)")
    decisions.add_argument("--force", action="store_true", help="erstatt vedtak som scenariet alt har")
    year = commands.add_parser("year", help="årets status: anmodning, vedtak, gap per fylke og i alt")
    year.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    year.add_argument("--pending", choices=("request", "zero"), default="request", metavar="VENTER",
                      help="et vedtak som venter regnes som anmodningen (standard) eller som 0")
    year.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    round2 = commands.add_parser("round2", help="tilleggsanmodningen som dekker gapet mellom anmodning og vedtak")
    round2.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    round2.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    round2.add_argument("--out", metavar="FIL", help="skriv tilleggsanmodningene til FIL.xlsx")
    round2.add_argument("--force", action="store_true", help="erstatt FIL om den finnes fra før")
    revise = commands.add_parser("revise", help="endret behov midt i året: nye tall uten å ta tilbake det som er bosatt")
    revise.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    revise.add_argument("--total", required=True, type=int, metavar="N", help="det nye nasjonale behovet (personer)")
    revise.add_argument("--fylke", metavar="FYLKE", help="bare dette fylket, med sin del av N")
    revise.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")
    followup = commands.add_parser("followup", help="oppfølging per kvartal: bosatt mot avtalen, bonus og trekk")
    followup.add_argument("scenario", metavar="SCENARIO", help=SCENARIO_HELP)
    followup.add_argument("--json", action="store_true", help="skriv resultatet som JSON på stdout")


def range_command(args: argparse.Namespace) -> int:
    from allocator.analysis.planrange import parse_range, plan_range

    try:
        figures = parse_range(args.range)
    except ValueError as exc:
        print(f"feil: --range: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.out:
        print("feil: --out gjelder bare sammen med --totals", file=sys.stderr)
        return EXIT_INVALID
    scenario = load(args.scenario)
    print_notes(scenario)
    write_result(plan_range(scenario, *figures), args.json)
    return EXIT_OK


def decisions_command(args: argparse.Namespace) -> int:
    from allocator.problems import ScenarioError
    from allocator.scenario.decisions import read_decisions, write_decisions
    from allocator.scenario.load import load_scenario

    scenario = load_scenario(args.scenario)
    print_notes(scenario)
    try:
        result = read_decisions(scenario, args.file, force=args.force)
    except ScenarioError as exc:  # the list is what is wrong, not the scenario
        print_problems("Listen ble ikke lest inn, og ingenting er skrevet", exc)
        return EXIT_INVALID
    if result.changes:
        path = write_decisions(result, args.scenario)
    print("\n".join(result.lines()))
    if result.changes:
        print(f"Skrev {path}")
    return EXIT_OK


def year_command(args: argparse.Namespace) -> int:
    from allocator.analysis.year import year_state

    return answer(args, lambda scenario: year_state(scenario, args.pending))


def round2_command(args: argparse.Namespace) -> int:
    from allocator.analysis.round2 import round2

    if args.out and not args.out.lower().endswith(".xlsx"):
        print(f"feil: --out {args.out}: ventet et filnavn som slutter på .xlsx", file=sys.stderr)
        return EXIT_INVALID
    if args.out and not out_allowed(args):
        return EXIT_INVALID
    scenario = load(args.scenario)
    print_notes(scenario)
    result = round2(scenario)
    if args.out:
        from allocator.output.year_export import write_round2

        if not wrote_out(args, lambda path, overwrite: write_round2(result, path, overwrite=overwrite)):
            return EXIT_INVALID
    write_result(result, args.json)
    if args.out and not args.json:
        print(f"Skrev {args.out}")
    return EXIT_OK


def revise_command(args: argparse.Namespace) -> int:
    from allocator.analysis.revise import revise

    return answer(args, lambda scenario: revise(scenario, args.total, args.fylke))


def followup_command(args: argparse.Namespace) -> int:
    from allocator.analysis.followup import followup

    return answer(args, followup)
