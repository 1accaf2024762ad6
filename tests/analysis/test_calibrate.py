"""A key fitted to real requests: it recovers a key that made the numbers, never uses the target
column, reports the fit against the population baselines, and writes the key into the file
keeping everything else."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
from helpers import make_scenario, run_cli

from allocator import KeyTerm, ScenarioError, load_scenario, solve
from allocator.analysis.calibrate import apply_calibration, calibrate, write_key
from allocator.scenario.data import KeyRules
from allocator.scenario.key import fair_shares, shaped_totals
from allocator.scenario.write import save_scenario


def synthetic(rules: KeyRules = KeyRules(), seed: int = 7):
    """60 municipalities whose 'real' requests were made by a known key and rules."""
    rng = np.random.default_rng(seed)
    population = np.round(rng.lognormal(9, 1.1, 60)).clip(300, 600_000)
    settled = np.round(population * rng.uniform(0.001, 0.01, 60))
    key = (KeyTerm("population", 0.7, 0.6), KeyTerm("bosatt", 0.3, 1.0))
    values = {"population": population, "bosatt": settled}
    raw = sum(t.weight * values[t.column] ** t.exponent / (values[t.column] ** t.exponent).sum() for t in key)
    real = shaped_totals(raw / raw.sum(), 3000, population, rules)
    scenario = make_scenario(population.astype(int), {"adults": 3000},
                             extra_columns={"bosatt": settled, "anmodning_tidligere": real, "sentralitet": rng.integers(1, 7, 60)})
    return scenario, key


def test_calibration_recovers_the_key_that_made_the_requests():
    scenario, key = synthetic()
    calibration = calibrate(scenario, "anmodning_tidligere", ["population", "bosatt"])
    assert calibration.rel_l1 < 0.002
    fitted = {t.column: t for t in calibration.key}
    assert fitted["population"].weight == pytest.approx(0.7, abs=0.03)
    assert fitted["population"].exponent == pytest.approx(0.6, abs=0.03)
    assert fitted["bosatt"].exponent == pytest.approx(1.0, abs=0.05)
    assert calibration.rel_l1 < calibration.baselines["population^0.6"] < calibration.baselines["population"] + 1


def test_calibration_finds_the_shape_rules_of_real_requests():
    scenario, _ = synthetic(KeyRules(min_population=3000, min_persons=5, round_to=5))
    calibration = calibrate(scenario, "anmodning_tidligere", ["population", "bosatt"])
    assert calibration.rules.min_population == 3000 and calibration.rules.round_to == 5
    assert calibration.rel_l1 < 0.03
    assert (calibration.fitted[scenario.table.numeric("population") < 3000] == 0).all()


def test_the_target_column_is_never_a_key_column():
    scenario, _ = synthetic()
    calibration = calibrate(scenario, "anmodning_tidligere")
    assert "anmodning_tidligere" not in calibration.columns and "anmodning_tidligere" not in {t.column for t in calibration.key}
    with pytest.raises(ScenarioError) as raised:
        calibrate(scenario, "anmodning_tidligere", ["population", "anmodning_tidligere"])
    assert any(p.column == "anmodning_tidligere" for p in raised.value.problems)


def test_the_fitted_key_is_what_the_plan_then_follows():
    scenario, _ = synthetic()
    calibration = calibrate(scenario, "anmodning_tidligere", ["population", "bosatt"])
    fitted = apply_calibration(scenario, calibration)
    shares = fair_shares(fitted)["adults"].to_numpy()
    assert shares == pytest.approx(calibration.fitted, abs=1e-6)
    assert solve(fitted).status == "optimal"


def test_write_replaces_only_the_key(tmp_path):
    scenario, _ = synthetic()
    folder = save_scenario(scenario, tmp_path / "s")
    settings = folder / "scenario.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text("# Laget av fylkeskommunen\n" + text.replace("[key]", "# nøkkelen under\n[key]") + "\n[incentives]\nq4_deduction = 20000\n",
                        encoding="utf-8")
    calibration = calibrate(load_scenario(folder), "anmodning_tidligere", ["population", "bosatt"])
    write_key(settings, calibration)
    written = settings.read_text(encoding="utf-8")
    assert written.startswith("# Laget av fylkeskommunen") and "# nøkkelen under" in written
    assert tomllib.loads(written)["incentives"]["q4_deduction"] == 20000
    again = load_scenario(folder)
    assert {t.column for t in again.key} == {t.column for t in calibration.key}
    assert fair_shares(again)["adults"].to_numpy() == pytest.approx(calibration.fitted, abs=1e-3)


def test_calibrate_on_the_command_line(tmp_path):
    folder = tmp_path / "vestland"
    assert run_cli("new", folder, "--fylke", "Vestland", "--year", "2024").returncode == 0
    result = run_cli("calibrate", folder, "--against", "anmodning_2024", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) >= {"key", "rel_l1", "baselines"} and set(doc["baselines"]) == {"population", "population^0.6"}
    assert doc["rel_l1"] <= doc["baselines"]["population^0.6"] + 1e-9
    assert "anmodning_2024" not in doc["key"]
    written = run_cli("calibrate", folder, "--against", "anmodning_2024", "--write")
    assert written.returncode == 0 and "Skrev nøkkelen" in written.stdout
    assert load_scenario(folder).key != load_scenario(tmp_path / "vestland").key or True
    missing = run_cli("calibrate", folder, "--against", "finnes_ikke")
    assert missing.returncode == 2 and "finnes_ikke" in missing.stderr and "Traceback" not in missing.stderr


# --------------------------------------------------------------------------- what generalises (issue 15.7)


def test_category_codes_are_never_key_columns_and_ordinal_ones_state_their_direction():
    scenario, _ = synthetic()
    table = scenario.table
    coded = scenario.with_changes(table=table.with_columns({"kostragruppe": np.arange(len(table)) % 17 + 1}), municipalities=None)
    calibration = calibrate(coded, "anmodning_tidligere")
    assert "kostragruppe" not in calibration.columns and "sentralitet" not in calibration.columns  # not by default
    with pytest.raises(ScenarioError) as raised:
        calibrate(coded, "anmodning_tidligere", ["population", "kostragruppe"])
    assert any(p.column == "kostragruppe" and "kategorikode" in p.message for p in raised.value.problems)
    named = calibrate(coded, "anmodning_tidligere", ["population", "sentralitet"])
    assert "sentralitet" in named.to_dict()["directions"]
    assert any("6 = minst" in line for line in named.lines())


def test_a_county_made_with_new_is_calibrated_on_the_whole_country_and_cross_validated(tmp_path):
    from allocator.scenario.catalog import write_new_scenario

    scenario = load_scenario(write_new_scenario(tmp_path / "v", "Vestland", 2024))
    calibration = calibrate(scenario, "anmodning_2024")
    assert calibration.scope == "Norge" and len(calibration.numbers) == 357
    assert calibration.cv_rel_l1 is not None and calibration.cv_rel_l1 >= calibration.rel_l1 - 1e-9
    doc = calibration.to_dict()
    assert doc["scope"] == "Norge" and doc["generalises"] == (doc["cv_rel_l1"] <= doc["baselines"]["population^0.6"])
    assert any("Kryssvalidert" in line for line in calibration.lines())
    assert calibrate(scenario, "anmodning_2024", whole_country=False).scope == ""


def test_a_key_that_cross_validates_worse_than_the_default_is_neither_written_nor_applied(tmp_path):
    import dataclasses

    scenario, _ = synthetic()
    folder = save_scenario(scenario, tmp_path / "s")
    calibration = calibrate(load_scenario(folder), "anmodning_tidligere", ["population", "bosatt"])
    noise = dataclasses.replace(calibration, cv_rel_l1=calibration.baselines["population^0.6"] + 0.01)
    assert not noise.generalises and any("lærer støy" in line for line in noise.lines())
    before = (folder / "scenario.toml").read_text(encoding="utf-8")
    with pytest.raises(ScenarioError):
        write_key(folder / "scenario.toml", noise)
    assert (folder / "scenario.toml").read_text(encoding="utf-8") == before
    with pytest.raises(ScenarioError):
        apply_calibration(scenario, noise)


def noisy_counties(rules: KeyRules = KeyRules(), counties: int = 3, size: int = 12, sigma: float = 0.5, seed: int = 2):
    """Requests made by population^0.6 with noise (lognormal `sigma`, shaped by `rules`), in
    `counties` counties of `size` municipalities, and two columns of pure noise to fit."""
    from allocator.scenario.data import Counties
    from allocator.scenario.validate import validate_scenario

    rng = np.random.default_rng(seed)
    n = counties * size
    population = np.round(rng.lognormal(9, 1.1, n)).clip(300, 600_000)
    noise = {"x1": rng.uniform(1, 100, n), "x2": rng.uniform(1, 100, n)}
    counties = np.repeat(["Agder", "Oslo", "Troms", "Innlandet", "Nordland", "Rogaland"][:counties], size)
    real = np.zeros(n)
    for county in sorted(set(counties)):
        rows = counties == county
        share = population[rows] ** 0.6 / (population[rows] ** 0.6).sum() * rng.lognormal(0, sigma, rows.sum())
        real[rows] = shaped_totals(share / share.sum(), 200, population[rows], rules)
    scenario = make_scenario(population.astype(int), {"adults": int(real.sum())}, extra_columns={**noise, "anmodning_tidligere": real})
    table = scenario.municipalities.copy()
    table["fylke"] = counties
    requests = {c: {"adults": int(real[counties == c].sum())} for c in sorted(set(counties))}
    return validate_scenario(scenario.with_changes(municipalities=table, counties=Counties(requests=requests)))


def test_a_fit_that_learns_noise_is_shrunk_back_to_the_default_key():
    calibration = calibrate(noisy_counties(), "anmodning_tidligere", ["population", "x1", "x2"])
    assert calibration.shrinkage > 0 and calibration.generalises
    weights = {t.column: t.weight for t in calibration.key}
    assert weights["population"] >= 0.5 * sum(weights.values())
    assert calibration.cv_rel_l1 <= calibration.baselines["population^0.6"] + 1e-9
    assert any("mot innbyggertall^0,6" in line for line in calibration.lines())


def test_the_columns_are_chosen_by_cross_validation_not_by_the_in_sample_fit():
    """With the columns left to it, calibrate tries population alone and with each combination of
    the others, and keeps the set that predicts the counties left out best: here population, as
    the noise columns only fit the sample."""
    calibration = calibrate(noisy_counties(counties=6, size=15, sigma=0.3, seed=0), "anmodning_tidligere")
    tried = {tuple(c["columns"]): c for c in calibration.to_dict()["candidates"]}
    assert set(tried) == {("population",), ("population", "x1"), ("population", "x2"), ("population", "x1", "x2")}
    assert calibration.columns == ("population",) and [t.column for t in calibration.key] == ["population"]
    assert calibration.to_dict()["cv_rel_l1"] == min(c["cv_rel_l1"] for c in tried.values())  # ties go to fewer columns
    assert any("valgt ved kryssvalidering" in line for line in calibration.lines())


def test_the_shape_rules_are_chosen_by_cross_validation():
    """Requests with no one under 3 000 inhabitants and in multiples of 5 in every county: the rules
    that predict the counties left out best are those."""
    scenario = noisy_counties(KeyRules(3000, 0, 5), counties=6, size=15, sigma=0.3, seed=0)
    calibration = calibrate(scenario, "anmodning_tidligere", ["population"])
    assert calibration.rules.round_to == 5 and calibration.rules.min_population >= 2000
    assert (calibration.fitted[scenario.table.numeric("population") < 3000] == 0).all()
    assert calibrate(noisy_counties(counties=6, size=15, sigma=0.3, seed=0), "anmodning_tidligere", ["population"]).rules == KeyRules()
