"""The fair-share key: key shares from the scenario's columns, and fair shares = request × share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import CSV_COLUMNS, SCENARIOS, make_scenario, municipalities_csv, scenario_toml

from allocator import GROUPS, KeyTerm, fair_shares, key_shares, load_scenario

POPULATIONS = [291940, 17349, 4072, 5742, 1800]
SETTLED_BEFORE = [1037, 221, 19, 32, 15]  # refugees already settled (a credit column)
CENTRAL = [2, 5, 5, 4, 6]


def _scenario(key, populations=POPULATIONS, **extra):
    columns = {"bosatt": SETTLED_BEFORE, "sentralitet": CENTRAL, **extra}
    return make_scenario(populations, {"adults": 100, "families": 70, "minors": 9, "special_needs": 4}, key=key, extra_columns=columns)


def _as_array(series: pd.Series, scenario) -> np.ndarray:
    return series.reindex(scenario.municipalities.index).to_numpy(dtype=float)


def test_population_weight_1_gives_shares_proportional_to_population():
    scenario = _scenario((KeyTerm("population", 1.0),))
    pops = np.array(POPULATIONS, dtype=float)
    assert _as_array(key_shares(scenario), scenario) == pytest.approx(pops / pops.sum(), rel=1e-12)


def test_weight_does_not_matter_for_a_single_column():
    one = key_shares(_scenario((KeyTerm("population", 1.0),)))
    seven = key_shares(_scenario((KeyTerm("population", 7.0),)))
    assert one.to_numpy() == pytest.approx(seven.to_numpy(), rel=1e-12)


def test_exponent_0_6_gives_shares_proportional_to_population_to_the_power_0_6():
    scenario = _scenario((KeyTerm("population", 1.0, exponent=0.6),))
    powered = np.array(POPULATIONS, dtype=float) ** 0.6
    shares = _as_array(key_shares(scenario), scenario)
    assert shares == pytest.approx(powered / powered.sum(), rel=1e-12)
    # small municipalities get relatively more than under the plain population key
    plain = np.array(POPULATIONS) / sum(POPULATIONS)
    assert shares[0] < plain[0] and shares[-1] > plain[-1]


def test_exponent_0_gives_every_municipality_the_same_share():
    scenario = _scenario((KeyTerm("population", 1.0, exponent=0.0),))
    assert _as_array(key_shares(scenario), scenario) == pytest.approx([0.2] * 5, rel=1e-12)


def test_two_columns_with_weights_0_7_and_0_3_mix_their_shares():
    scenario = _scenario((KeyTerm("population", 0.7), KeyTerm("sentralitet", 0.3)))
    pops, central = np.array(POPULATIONS, float), np.array(CENTRAL, float)
    expected = 0.7 * pops / pops.sum() + 0.3 * central / central.sum()
    assert _as_array(key_shares(scenario), scenario) == pytest.approx(expected, rel=1e-12)


def test_weights_are_normalised():
    small = key_shares(_scenario((KeyTerm("population", 0.7), KeyTerm("sentralitet", 0.3))))
    large = key_shares(_scenario((KeyTerm("population", 7.0), KeyTerm("sentralitet", 3.0))))
    assert small.to_numpy() == pytest.approx(large.to_numpy(), rel=1e-12)
    assert large.sum() == pytest.approx(1.0, abs=1e-12)


def test_a_credit_column_lowers_the_share_like_the_danish_key():
    # Danish key: 2 × population share − share of refugees already living there.
    danish = _scenario((KeyTerm("population", 2.0), KeyTerm("bosatt", 1.0, credit=True)), populations=[1000, 1000, 1000, 1000, 1000])
    pops = np.ones(5) / 5
    settled = np.array(SETTLED_BEFORE, float) / sum(SETTLED_BEFORE)
    raw = np.clip(2 * pops - settled, 0, None)
    shares = _as_array(key_shares(danish), danish)
    assert shares == pytest.approx(raw / raw.sum(), rel=1e-12)
    # Equal populations: the one that has already settled the most gets the least.
    assert shares.argmin() == int(np.argmax(SETTLED_BEFORE))


def test_a_municipality_whose_credit_exceeds_its_share_gets_nothing():
    scenario = _scenario((KeyTerm("population", 2.0), KeyTerm("bosatt", 1.0, credit=True)), populations=[1000] * 5)
    shares = key_shares(scenario)
    first = scenario.municipalities.index[0]  # 1037 of 1324 already settled: 0.78 > 2 × 0.2
    assert shares[first] == 0.0
    assert (shares.drop(first) > 0).all()
    assert shares.sum() == pytest.approx(1.0, abs=1e-12)
    fair = fair_shares(scenario)
    assert (fair.loc[first] == 0).all()


def test_a_credit_column_of_zeros_takes_nothing_off_and_is_accepted(scenario_dir):
    # A county where nobody has been settled yet: its credit column is all 0, which is no load
    # carried, not a mistake; the shares are those of the other terms.
    with_credit = key_shares(_scenario((KeyTerm("population", 1.0), KeyTerm("bosatt", 0.5, credit=True)), bosatt=[0] * 5))
    without = key_shares(_scenario((KeyTerm("population", 1.0),)))
    assert with_credit.to_numpy() == pytest.approx(without.to_numpy(), rel=1e-12)
    rows = [{"kommunenummer": n, "kommune": k, "population": str(p), "bosatt": "0"}
            for n, k, p in (("4601", "Bergen", 291940), ("4602", "Kinn", 17349))]
    folder = scenario_dir(toml=scenario_toml(key="population = 1.0\nbosatt = { weight = 0.3, credit = true }"),
                          csv=municipalities_csv(rows=rows, columns=("kommunenummer", "kommune", "population", "bosatt")))
    assert key_shares(load_scenario(folder)).sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "key",
    [
        (KeyTerm("population", 1.0),),
        (KeyTerm("population", 1.0, exponent=0.6),),
        (KeyTerm("population", 0.7), KeyTerm("sentralitet", 0.3)),
        (KeyTerm("population", 2.0), KeyTerm("bosatt", 1.0, credit=True)),
        (KeyTerm("population", 1.0, exponent=0.5), KeyTerm("bosatt", 0.4, exponent=2.0, credit=True)),
    ],
    ids=["population", "exponent", "two columns", "danish", "mixed"],
)
def test_shares_are_non_negative_and_sum_to_1_and_fair_shares_are_request_times_share(key):
    scenario = _scenario(key)
    shares = key_shares(scenario)
    assert (shares >= 0).all()
    assert shares.sum() == pytest.approx(1.0, abs=1e-12)
    fair = fair_shares(scenario)
    assert list(fair.columns) == list(GROUPS)
    for g in GROUPS:
        assert fair[g].to_numpy() == pytest.approx((shares * scenario.request[g]).to_numpy(), rel=1e-12)
        assert fair[g].sum() == pytest.approx(scenario.request[g], abs=1e-9)


def test_a_zero_value_gives_no_share_even_with_exponent_0():
    scenario = _scenario((KeyTerm("bosatt", 1.0, exponent=0.0),), bosatt=[0, 5, 5, 5, 5])
    shares = _as_array(key_shares(scenario), scenario)
    assert shares == pytest.approx([0, 0.25, 0.25, 0.25, 0.25], rel=1e-12)


def test_key_from_the_toml_file_is_applied(scenario_dir):
    rows = [
        {"kommunenummer": "4601", "kommune": "Bergen", "population": "291940", "bosatt": "1037"},
        {"kommunenummer": "4602", "kommune": "Kinn", "population": "17349", "bosatt": "221"},
        {"kommunenummer": "4611", "kommune": "Etne", "population": "4072", "bosatt": "19"},
    ]
    folder = scenario_dir(
        toml=scenario_toml(key="population = { weight = 2.0, exponent = 0.6 }\nbosatt = { weight = 1.0, credit = true }"),
        csv=municipalities_csv(rows=rows, columns=[*CSV_COLUMNS, "bosatt"]),
    )
    scenario = load_scenario(folder)
    assert scenario.key == (KeyTerm("population", 2.0, 0.6, False), KeyTerm("bosatt", 1.0, 1.0, True))
    pops = np.array([291940, 17349, 4072], float) ** 0.6
    settled = np.array([1037, 221, 19], float)
    raw = np.clip(2 * pops / pops.sum() - settled / settled.sum(), 0, None)
    assert _as_array(key_shares(scenario), scenario) == pytest.approx(raw / raw.sum(), rel=1e-12)


def test_default_key_is_population(scenario_dir):
    toml = scenario_toml().replace("[key]\npopulation = 1.0\n", "")
    assert "[key]" not in toml
    scenario = load_scenario(scenario_dir(toml=toml))
    pops = scenario.municipalities["population"].astype(float)
    assert key_shares(scenario).to_numpy() == pytest.approx((pops / pops.sum()).to_numpy(), rel=1e-12)


def test_key_candidates_are_descriptive_columns_not_negotiated_limits():
    from allocator import load_scenario
    from allocator.scenario.key import key_candidates

    candidates = key_candidates(load_scenario(SCENARIOS / "vestland-2026"))
    assert {"population", "sentralitet", "bosatt_2022", "bosatt_2023"} <= set(candidates)
    assert not {"max_total", "min_total", "small_dwellings", "family_dwellings", "family_dwellings_q3"} & set(candidates)
