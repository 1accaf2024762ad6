"""Command line: `python -m allocator solve|validate SCENARIO_DIR`.

Exit codes (a contract): 0 a plan was made (also with a shortfall) or the input is valid;
2 the input is invalid (message on stderr naming file, row and column); 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

import pandas as pd

from .labels import number
from .plan import Plan
from .scenario import GROUPS, load_scenario
from .validate import ScenarioError

EXIT_OK, EXIT_ERROR, EXIT_INVALID = 0, 1, 2

TABLE_COLUMNS = ["kommune", "total", *GROUPS, "fair_total", "deviation", "per_1000", "binding"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exit code is 2 as well: a usage mistake
        self.print_usage(sys.stderr)
        print(f"feil: {message}", file=sys.stderr)
        sys.exit(EXIT_INVALID)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m allocator", description="Fordel en fylkesanmodning om bosetting på kommunene.")
    commands = parser.add_subparsers(dest="command", required=True)
    solve = commands.add_parser("solve", help="lag en plan for et scenario")
    solve.add_argument("scenario", help="scenariomappe (scenario.toml + municipalities.csv)")
    solve.add_argument("--json", action="store_true", help="skriv planen som JSON på stdout")
    solve.add_argument("--out", metavar="FILE", help="skriv planen til FILE.csv eller FILE.xlsx")
    solve.add_argument("--solver", choices=("highs", "cbc"), default="highs", help="LP-løser (standard: highs)")
    solve.add_argument("--time-limit", type=float, default=60.0, help="tidsgrense per løsning i sekunder")
    validate = commands.add_parser("validate", help="kontroller input uten å løse")
    validate.add_argument("scenario", help="scenariomappe")
    return parser


def render_text(plan: Plan) -> str:
    """The plan as a readable table and a county summary."""
    with pd.option_context("display.max_rows", None, "display.width", 200, "display.max_columns", None):
        table = plan.municipality_table()[TABLE_COLUMNS].to_string()
        summary = plan.summary_table().to_string(index=False)
        limits = plan.binding_summary()
        limits = limits[limits["municipalities"] > 0].to_string(index=False) if (limits["municipalities"] > 0).any() else "(ingen)"
        quarters = ""
        if plan.schedule is not None:
            county = plan.schedule.county_by_quarter().to_string()
            timeliness = pd.DataFrame(plan.schedule.timeliness()).T.to_string()
            value = plan.schedule.value_of_agreement()
            quarters = (
                f"\nKvartalsplan (fylket, personer per kvartal)\n{county}\n\nTidsmål per gruppe\n{timeliness}\n\n"
                f"Mot vanlig mønster: {number(value['waiting_person_months_saved'])} personmåneder mindre ventetid; "
                f"bonus {number(value['bonus_optimised'])} kr (mot {number(value['bonus_baseline'])}), "
                f"trekk {number(value['deduction_optimised'])} kr (mot {number(value['deduction_baseline'])}).\n"
            )
    status = "hele anmodningen er fordelt" if plan.status == "optimal" else "ikke alle kan bosettes (underskudd)"
    return (
        f"{plan.scenario.name}: {status}. Løser {plan.solver}, {plan.solve_seconds:.2f} s.\n\n"
        f"{table}\n\nSammendrag\n{summary}\n\nBindende grenser\n{limits}\n{quarters}"
    )


def _solve(args: argparse.Namespace) -> int:
    from .export import write_plan
    from .solve import solve

    if args.out and not args.out.lower().endswith((".csv", ".xlsx")):
        print(f"feil: --out {args.out}: ventet et filnavn som slutter på .csv eller .xlsx", file=sys.stderr)
        return EXIT_INVALID
    scenario = load_scenario(args.scenario)
    plan = solve(scenario, solver=args.solver, time_limit=args.time_limit)
    if args.out:
        write_plan(plan, args.out)
    if args.json:
        print(json.dumps(plan.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_text(plan))
        if args.out:
            print(f"Skrev {args.out}")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    print(f"{scenario.name}: gyldig ({len(scenario.municipalities)} kommuner, {scenario.total_request} personer i anmodningen)")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _solve(args) if args.command == "solve" else _validate(args)
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing is wrong
        sys.stderr.close()
        return EXIT_OK
    except ScenarioError as exc:
        print(f"Ugyldig scenario ({len(exc.problems)} feil):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # noqa: BLE001 - anything else is exit 1, with a message, not a traceback
        print(f"feil: {exc}", file=sys.stderr)
        if os.environ.get("ALLOCATOR_DEBUG"):
            traceback.print_exc()
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
