"""What a newcomer meets on the command line (issue 16): Norwegian from argparse too, consistent
metavars, file-system errors as exit 2 in Norwegian, `new` and `--out` leaving nothing half-done,
numbers in agreement, a bounded `sweep`, and `calibrate --write` keeping the user's file."""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, SCENARIOS, run_cli, run_cli_many

from allocator import load_scenario
from allocator.__main__ import main

VESTLAND = SCENARIOS / "vestland-2026"
DEMO = SCENARIOS / "demo-shortfall"
COMMANDS = ("solve", "validate", "new", "sweep", "consistency", "explain", "diagnose", "calibrate")


def _refused(result, *fragments):
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# --------------------------------------------------------------------------- argparse in Norwegian


def test_argparse_speaks_norwegian():
    missing, unknown_command, bad_choice, bad_number = run_cli_many([
        ["solve"], ["solv", str(VESTLAND)], ["solve", str(VESTLAND), "--solver", "gurobi"],
        ["new", "x", "--fylke", "Vestland", "--year", "i fjor"]])
    _refused(missing, "bruk: python -m allocator solve", "feil: disse argumentene mangler: SCENARIO")
    _refused(unknown_command, "ugyldig valg: 'solv' (velg blant 'solve'")
    _refused(bad_choice, "argument --solver: ugyldig valg: 'gurobi'")
    _refused(bad_number, "argument --year: ugyldig verdi: 'i fjor' (ventet et tall)")
    for result in (missing, unknown_command, bad_choice, bad_number):
        assert not re.search(r"usage:|error:|required|invalid|choose from", result.stderr), result.stderr


def test_every_help_is_norwegian_with_norwegian_metavars():
    results = run_cli_many([["--help"], *([command, "--help"] for command in COMMANDS)])
    for result in results:
        assert result.returncode == 0, result.stderr
        text = result.stdout
        assert text.startswith("bruk: ") and "vis denne hjelpen og avslutt" in text, text
        assert not re.search(r"usage:|show this help|positional arguments|\noptions:", text), text
        metavars = set(re.findall(r"\b[A-ZÆØÅ_]{3,}\b", text.split("\n\n")[0]))
        assert metavars <= {"SCENARIO", "MAPPE", "FIL", "FORM", "LØSER", "SEKUNDER", "FYLKE", "ÅR", "FRA", "TIL", "STEG",
                            "ANTALL", "GRUPPERING", "KOMMUNENUMMER", "KOLONNE", "KOMMANDO", "LAV", "PLAN", "HØY", "VENTER"}, metavars


# --------------------------------------------------------------------------- what is where


def test_explain_of_a_number_not_in_the_scenario_says_so():
    # Before: «Ugyldig scenario … municipalities.csv».
    unknown, by_name = run_cli_many([["explain", VESTLAND, "9999"], ["explain", VESTLAND, "Bergen"]])
    _refused(unknown, "feil: kommunenummer 9999 finnes ikke i scenarioet Vestland 2026")
    assert "Ugyldig scenario" not in unknown.stderr
    _refused(by_name, "bruk kommunenummeret: 4601 (Bergen)")


def _copy(tmp_path, source=VESTLAND) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(source, folder)
    return folder


def test_a_folder_or_another_spelling_where_the_table_should_be_is_named(tmp_path):
    # Before: «filen mangler» without saying what is there.
    spelt = _copy(tmp_path)
    (spelt / "municipalities.csv").rename(spelt / "Municipalities.csv")
    folder = tmp_path / "folder"
    shutil.copytree(VESTLAND, folder)
    (folder / "municipalities.csv").unlink()
    (folder / "municipalities.csv").mkdir()
    by_case, by_folder = run_cli_many([["validate", spelt], ["validate", folder]])
    _refused(by_case, "mappen har «Municipalities.csv»: gi den navnet municipalities.csv")
    _refused(by_folder, "er en mappe, ikke en fil")


def test_a_file_system_error_exits_2_in_norwegian(tmp_path, monkeypatch, capsys):
    # Before: an unreadable file exited 1 with English «[Errno 13]». (Root reads any file, so the
    # refusal of the operating system is made here.)
    folder = _copy(tmp_path)
    real = Path.read_bytes

    def unreadable(path):
        if path.name == "municipalities.csv":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(Path, "read_bytes", unreadable)
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "kan ikke lese" in err and "ingen tilgang" in err and "Errno" not in err, err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may read any file")
def test_an_unreadable_file_exits_2(tmp_path):
    folder = _copy(tmp_path)
    (folder / "municipalities.csv").chmod(0)
    _refused(run_cli("validate", folder), "ingen tilgang")


# --------------------------------------------------------------------------- new


def test_new_refuses_an_empty_path_and_writes_nothing(tmp_path):
    # Before: `new ""` wrote into the current folder.
    result = subprocess.run([sys.executable, "-m", "allocator", "new", "", "--fylke", "Vestland"], cwd=tmp_path,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    _refused(result, "ventet et navn på mappen")
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_an_existing_folder_holding_other_files(tmp_path):
    (tmp_path / "notater.txt").write_text("mine", encoding="utf-8")
    _refused(run_cli("new", tmp_path, "--fylke", "Vestland"), "finnes og har andre filer (notater.txt)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notater.txt"]
    empty = tmp_path / "tom"
    empty.mkdir()
    assert run_cli("new", empty, "--fylke", "Vestland").returncode == 0


def test_new_on_a_full_disk_says_so_in_norwegian_and_leaves_no_folder(tmp_path, monkeypatch, capsys):
    import allocator.scenario.catalog as catalog

    def full(folder, files):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(catalog, "_write_files", full)
    assert main(["new", str(tmp_path / "a" / "troms"), "--fylke", "Troms"]) == 2
    err = capsys.readouterr().err
    assert "disken er full" in err and "Errno" not in err, err
    assert not (tmp_path / "a").exists()


def test_new_echoes_the_county_as_the_table_spells_it(tmp_path):
    # Before: «Skrev et scenario for more og romsdal».
    result = run_cli("new", tmp_path / "mr", "--fylke", "more og romsdal")
    assert result.returncode == 0 and "Skrev et scenario for Møre og Romsdal 2026" in result.stdout, result.stdout


# --------------------------------------------------------------------------- no temporary file left


def test_a_terminated_out_leaves_no_temporary_file(tmp_path):
    # Before: an interrupted --out left a hidden .tmp file. SIGTERM arrives while the file is written.
    probe = (
        "import os, signal, sys\n"
        "real = os.fsync\n"
        "def killed(fd):\n"
        "    real(fd)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "os.fsync = killed\n"
        "from allocator.__main__ import main\n"
        f"sys.exit(main(['solve', {str(VESTLAND)!r}, '--out', {str(tmp_path / 'plan.xlsx')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "avbrutt" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- words and numbers


def test_numbers_agree_with_their_nouns(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    (folder / "scenario.toml").write_text('name = "En"\n[request]\nadults = 1\n[key]\npopulation = 1.0\n', encoding="utf-8")
    (folder / "municipalities.csv").write_text("kommunenummer,kommune,population\n4601,Bergen,291940\n", encoding="utf-8")
    valid, swept = run_cli_many([["validate", folder], ["sweep", folder, "--totals", "5"]])
    assert "gyldig (1 kommune, 1 person i anmodningen)" in valid.stdout, valid.stdout
    assert "planlagt for 1 total " in swept.stdout, swept.stdout


def test_many_problems_are_counted_with_thousands_spaced(tmp_path):
    folder = _copy(tmp_path, DEMO)
    rows = ["kommunenummer,kommune,population"] + [f"{1000 + k},K{k},x" for k in range(3000)]
    (folder / "municipalities.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("validate", folder)
    _refused(result, "feil):")
    assert re.search(r"\(\d \d{3} feil\)", result.stderr), result.stderr.splitlines()[0]


def test_the_quarterly_money_is_marked_illustrative():
    result = run_cli("solve", VESTLAND)
    assert result.returncode == 0 and "Merk: illustrativ ordning" in result.stdout


def test_sweep_columns_say_what_they_count():
    # Before: «Ved en grense» added up limits (1 176 at 40 000 with 357 municipalities).
    result = run_cli("sweep", DEMO, "--totals", "100:300:100")
    header = result.stdout.splitlines()[1]
    assert "Ved en grense" not in header and "Kommuner holdt av familieboliger" in header, header


# --------------------------------------------------------------------------- bounded work


def test_sweep_refuses_too_many_points_at_once_with_the_count_asked():
    # Before: 1000:1000000000:1 grew to about 24 GB. Under a 1 GB memory limit it must still answer.
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
    probe = limit + f"import sys\nfrom allocator.__main__ import main\nsys.exit(main(['sweep', {str(DEMO)!r}, '--totals', '1000:1000000000:1']))\n"
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    _refused(result, "999 999 001 punkter; høyst 500")
    _refused(run_cli("sweep", DEMO, "--totals", ",".join(str(100 + k) for k in range(501))), "501 punkter; høyst 500")


def test_running_out_of_memory_is_said(monkeypatch, capsys):
    import allocator.__main__ as cli

    def exhausted(args):
        raise MemoryError

    monkeypatch.setitem(cli.COMMANDS, "validate", exhausted)
    assert main(["validate", str(VESTLAND)]) == 1
    assert "ikke nok minne" in capsys.readouterr().err


# --------------------------------------------------------------------------- workbooks on the command line


def test_solve_and_validate_read_a_workbook_as_the_app_does(tmp_path):
    out = tmp_path / "plan.xlsx"
    assert run_cli("solve", VESTLAND, "--out", out).returncode == 0
    valid, solved, original = run_cli_many([["validate", out], ["solve", out, "--json"], ["solve", VESTLAND, "--json"]])
    assert valid.returncode == 0 and "Vestland 2026: gyldig (43 kommuner" in valid.stdout, valid.stderr
    import json

    assert json.loads(solved.stdout)["municipalities"] == json.loads(original.stdout)["municipalities"]
    refused = run_cli("solve", out, "--out", out, "--force")
    _refused(refused, "scenariets egen fil")


def test_python_m_allocator_works_from_any_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = subprocess.run([sys.executable, "-c", "import allocator"], cwd=tmp_path, capture_output=True, env=env)
    if installed.returncode != 0:
        pytest.skip("the package is not installed into this environment (make does: pip install -e .)")
    result = subprocess.run([sys.executable, "-m", "allocator", "validate", str(VESTLAND)], cwd=tmp_path,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr


# --------------------------------------------------------------------------- calibrate --write


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    """A `new` scenario to calibrate (its key fitted once; each test writes it into its own file)."""
    from allocator.analysis.calibrate import calibrate

    folder = tmp_path_factory.mktemp("cal") / "vestland"
    assert run_cli("new", folder, "--fylke", "Vestland", "--year", "2024").returncode == 0
    return folder, calibrate(load_scenario(folder), "anmodning_2024", ["population"])


def _settings(tmp_path, calibrated, text: str | bytes) -> Path:
    folder, _ = calibrated
    target = tmp_path / "s"
    shutil.copytree(folder, target)
    path = target / "scenario.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def _assert_key(read, fitted) -> None:
    """The key read back is the fitted one, as written (to the precision the file keeps)."""
    assert [t.column for t in read] == [t.column for t in fitted]
    for a, b in zip(read, fitted):
        assert a.weight == pytest.approx(b.weight, abs=1e-3) and a.exponent == pytest.approx(b.exponent, abs=1e-3)


def _original(calibrated) -> str:
    return (calibrated[0] / "scenario.toml").read_text(encoding="utf-8")


def test_write_keeps_bom_crlf_mode_comments_and_a_backup(tmp_path, calibrated):
    from allocator.analysis.calibrate import write_key

    text = "# Laget av fylkeskommunen\r\n" + _original(calibrated).replace("\n", "\r\n").replace("[key]", "# nøkkelen under\r\n[key]")
    original = b"\xef\xbb\xbf" + text.encode("utf-8")
    path = _settings(tmp_path, calibrated, original)
    path.chmod(0o640)
    write_key(path, calibrated[1])
    written = path.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf") and written.count(b"\n") == written.count(b"\r\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert b"# Laget av fylkeskommunen\r\n" in written and "# nøkkelen under\r\n[key]".encode() in written
    assert (path.parent / "scenario.toml.bak").read_bytes() == original
    _assert_key(load_scenario(path.parent).key, calibrated[1].key)


def test_write_goes_through_a_symlink_to_its_target(tmp_path, calibrated):
    from allocator.analysis.calibrate import write_key

    shared = _settings(tmp_path, calibrated, _original(calibrated))
    link_folder = tmp_path / "link"
    shutil.copytree(shared.parent, link_folder)
    (link_folder / "scenario.toml").unlink()
    (link_folder / "scenario.toml").symlink_to(shared)
    write_key(link_folder / "scenario.toml", calibrated[1])
    assert (link_folder / "scenario.toml").is_symlink()
    _assert_key(load_scenario(shared.parent).key, calibrated[1].key)  # the shared target is updated


@pytest.mark.parametrize(("change", "said"), [
    ("read-only", "skrivebeskyttet"),
    ("cp1252", "ikke UTF-8"),
    ("dotted", "skrevet med punktum"),
    ("subtables", "under-tabeller"),
])
def test_write_refuses_what_it_cannot_rewrite_without_touching_the_file(tmp_path, calibrated, change, said):
    text = _original(calibrated)
    before, after = text.split("[key]\n", 1)
    rest = after[after.index("\n[") + 1:] if "\n[" in after else ""  # the file without its [key] table
    if change == "cp1252":
        data = text.replace('name = "', 'name = "Åfjord ').encode("cp1252", errors="replace")
    elif change == "dotted":
        data = ("key.population = 1.0\n" + before + rest).encode()
    elif change == "subtables":
        data = (before + "[key]\nmin_persons = 5\n\n[key.population]\nweight = 1.0\n\n" + rest).encode()
    else:
        data = text.encode()
    path = _settings(tmp_path, calibrated, data)
    if change == "read-only":
        path.chmod(0o444)
    result = run_cli("calibrate", path.parent, "--against", "anmodning_2024", "--columns", "population", "--write")
    _refused(result, said, "filen er ikke endret")
    assert "codec" not in result.stderr and "Cannot declare" not in result.stderr
    assert path.read_bytes() == data and not (path.parent / "scenario.toml.bak").exists()
    if change == "read-only":
        assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_calibrate_suggests_a_misspelt_column():
    result = run_cli("calibrate", VESTLAND, "--against", "bosatt_2023", "--columns", "populaton")
    _refused(result, "kolonnen «populaton» finnes ikke", "mente du «population»")


def test_sweep_never_starts_more_processes_than_cores():
    many, none = run_cli_many([["sweep", DEMO, "--totals", "100,200", "--workers", "5000"],
                               ["sweep", DEMO, "--totals", "100,200", "--workers", "0"]])
    assert many.returncode == 0 and "Merk: --workers 5000 er flere enn maskinens" in many.stderr, many.stderr
    _refused(none, "--workers 0")


def test_a_table_too_large_to_be_a_scenario_is_refused_before_it_is_read(tmp_path):
    folder = _copy(tmp_path, DEMO)
    with (folder / "municipalities.csv").open("ab") as handle:
        handle.truncate(11 * 2**20)  # bounded memory: not read at all
    _refused(run_cli("validate", folder), "høyst 10 MB")
