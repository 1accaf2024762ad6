"""`python -m allocator saved …`: the saved scenarios from the command line (list, history, export
to a scenario folder, import a folder), acting as the local user (local mode). On a server with an
access file (`ALLOCATOR_ACCESS`) the command line has nobody signed in and sees nothing saved."""

from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_INVALID = 0, 2


def add_parser(commands) -> None:
    saved = commands.add_parser("saved", help="lagrede scenarioer: list, historikk, eksport til mappe, import fra mappe")
    actions = saved.add_subparsers(dest="action", required=True, parser_class=type(saved))
    listing = actions.add_parser("list", help="de lagrede scenarioene")
    listing.add_argument("--json", action="store_true", help="skriv listen som JSON på stdout")
    history = actions.add_parser("history", help="alle versjonene av et lagret scenario")
    history.add_argument("name", help="scenariets navn")
    history.add_argument("--json", action="store_true", help="skriv historikken som JSON på stdout")
    export = actions.add_parser("export", help="skriv en versjon av et lagret scenario som scenariomappe")
    export.add_argument("name", help="scenariets navn")
    export.add_argument("folder", help="mappen som skal lages (scenario.toml + municipalities.csv)")
    export.add_argument("--version", type=int, help="versjonsnummer (standard: den nyeste)")
    imported = actions.add_parser("import", help="lagre en scenariomappe som lagret scenario")
    imported.add_argument("folder", help="scenariomappe")
    imported.add_argument("--name", help="navnet det lagres under (standard: navnet i scenario.toml)")
    imported.add_argument("--replace", action="store_true", help="legg til en ny versjon om navnet finnes fra før")


def _find(name: str):
    from allocator.output import store

    found = store.find_saved(name)
    if found is None:
        print(f"feil: fant ikke et lagret scenario som heter «{name}»", file=sys.stderr)
    return found


def run(args: argparse.Namespace) -> int:
    from allocator.output import store

    try:
        if args.action == "list":
            rows = [{"name": s.name, "owner": s.owner, "version": s.version, "saved_by": s.saved_by,
                     "saved_at": store.clock(s.saved_at)} for s in store.list_scenarios() if s.saved]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False))
            for row in [] if args.json else rows:
                print(f"{row['name']}  (versjon {row['version']}, {row['owner']}, lagret av {row['saved_by']} {row['saved_at']})")
            return EXIT_OK
        if args.action == "history":
            found = _find(args.name)
            if found is None:
                return EXIT_INVALID
            versions = store.history(found.id)
            if args.json:
                print(json.dumps([{"version": v.number, "saved_by": v.saved_by, "saved_at": v.saved_at,
                                   "based_on": v.based_on, "restored_from": v.restored_from,
                                   "changes": [c.as_dict() for c in v.changes]} for v in versions], ensure_ascii=False))
                return EXIT_OK
            for v in versions:
                print(f"versjon {v.number}: {v.saved_by}, {store.clock(v.saved_at)}, startet fra {v.based_on or '–'}")
                for c in v.changes:
                    print(f"    {c.what}: {c.old} → {c.new}")
            return EXIT_OK
        if args.action == "export":
            found = _find(args.name)
            if found is None:
                return EXIT_INVALID
            from pathlib import Path

            from allocator.scenario.data import SETTINGS_FILE

            if (Path(args.folder) / SETTINGS_FILE).exists():
                print(f"feil: {args.folder} har allerede et scenario; velg en ny mappe", file=sys.stderr)
                return EXIT_INVALID
            store.export_folder(found, args.folder, version=args.version)
            print(f"Skrev «{found.name}»{f', versjon {args.version}' if args.version else ''} til {args.folder}")
            return EXIT_OK
        saved = store.import_folder(args.folder, name=args.name, replace=args.replace)
        print(f"Lagret «{saved.name}» (versjon {saved.version})")
        return EXIT_OK
    except store.NameTaken as exc:
        print(f"feil: {exc} (--replace legger til en ny versjon; den gamle beholdes)", file=sys.stderr)
        return EXIT_INVALID
    except store.AccessDenied as exc:
        print(f"feil: {exc}", file=sys.stderr)
        return EXIT_INVALID
