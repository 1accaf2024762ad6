"""Scenario fields, the changes between two scenarios, drafts and the meeting record (no app)."""

from __future__ import annotations

import pytest
from helpers import SCENARIOS, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator import load_scenario, solve
from allocator.present import drafts, edits, fields
from allocator.present import record as meeting_record
from allocator.present.changes import _normal, flatten_settings, scenario_changes
from allocator.problems import ScenarioError
from allocator.scenario.write import fingerprint, settings_dict

VESTLAND = load_scenario(SCENARIOS / "vestland-2026")

# Fields that exist in Vestland 2026 (with quarters), each with values inside the files' range.
NUMERIC = [
    *[(f, st.integers(0, 5000)) for f in fields.request_fields(VESTLAND)],
    (fields.key_fields("population")[0], st.floats(0.01, 1000, allow_nan=False).map(lambda v: round(v, 2))),
    (fields.key_fields("population")[1], st.floats(0, 5, allow_nan=False).map(lambda v: round(v, 2))),
    (fields.GRANT_BUDGET, st.integers(0, 10**8).map(float)),
    (fields.Q4_THRESHOLD, st.integers(0, 1000).map(lambda v: v / 1000)),
    (fields.TIMELINESS, st.floats(0, 1000, allow_nan=False).map(lambda v: round(v, 2))),
    *[(f, st.integers(0, 10**6).map(float)) for f in fields.BONUS_FIELDS],
    *[(fields.deadline_field(g), st.integers(0, 4)) for g in ("adults", "families")],
]


def _settings(scenario) -> dict:
    return _normal(flatten_settings(settings_dict(scenario)))


@settings(max_examples=examples(40), deadline=None)
@given(st.data())
def test_a_field_edit_changes_that_value_and_nothing_else(data):
    field, values = data.draw(st.sampled_from(NUMERIC))
    value = data.draw(values)
    after = fields.set_value(VESTLAND, field, value)

    assert fields.get(after, field) == pytest.approx(value)
    before_settings, after_settings = _settings(VESTLAND), _settings(after)
    changed = {p for p in set(before_settings) | set(after_settings) if before_settings.get(p) != after_settings.get(p)}
    allowed = {field.path}
    if field.path[0] == "request":  # a new request scales that group's readiness per quarter (edits.set_request)
        allowed.add(("quarters", "ready", field.path[1]))
    if field.path[0] == "housing_grant":  # a new grant section has its price per dwelling
        allowed.add(("housing_grant", "per_dwelling"))
    if field.path[0] == "incentives" and field.path[1] == "bonus":  # the bonus is one list in the file
        allowed.add(("incentives", "bonus"))
    assert changed <= allowed
    assert VESTLAND.municipalities.equals(after.municipalities)


@pytest.mark.parametrize("field, typed, expected", [
    (fields.GRANT_BUDGET, "1 500 000", 1_500_000.0),
    (fields.GRANT_BUDGET, "1\u00a0500\u00a0000 kr", 1_500_000.0),
    (fields.key_fields("x")[1], "0,44", 0.44),
    (fields.Q4_THRESHOLD, "37,5 %", 0.375),
    (fields.MAX_SHARE, "", None),
])
def test_typed_text_is_read_the_norwegian_way(field, typed, expected):
    assert fields.parse(field, typed) == pytest.approx(expected) if expected is not None else fields.parse(field, typed) is None


@pytest.mark.parametrize("field, typed, words", [
    (fields.request_fields(VESTLAND)[0], "sju", "er ikke et tall"),
    (fields.request_fields(VESTLAND)[0], "7,5", "helt tall"),
    (fields.key_fields("population")[1], "6", "fra 0 til 5"),
    (fields.key_fields("population")[0], "1 001", "fra 0 til 1 000"),
    (fields.Q4_THRESHOLD, "120", "0 til 100"),
    (fields.request_fields(VESTLAND)[0], "", "tomt"),
])
def test_a_value_outside_the_files_range_is_refused_in_words(field, typed, words):
    with pytest.raises(fields.FieldError, match=words):
        fields.parse(field, typed)


def test_values_are_shown_the_norwegian_way():
    assert fields.text(fields.GRANT_BUDGET, 20_000_000.0) == "20 000 000"
    assert fields.text(fields.key_fields("x")[1], 0.6) == "0,6"
    assert fields.text(fields.key_fields("x")[1], 0.4412) == "0,4412"
    assert fields.text(fields.Q4_THRESHOLD, 0.375) == "37,5"


def test_the_grant_keeps_its_cap_per_municipality_when_the_budget_moves():
    with_cap = fields.set_value(fields.set_value(VESTLAND, fields.GRANT_BUDGET, 2e7), fields.GRANT_MAX, 3)
    moved = fields.set_value(with_cap, fields.GRANT_BUDGET, 1e7)
    assert (moved.housing_grant.budget, moved.housing_grant.max_per_municipality) == (1e7, 3)


def test_a_custom_quarterly_baseline_stays_when_the_threshold_moves():
    custom = edits.set_quarters(VESTLAND, __import__("dataclasses").replace(VESTLAND.quarters, baseline=(0.1, 0.2, 0.3, 0.4)))
    after = fields.set_value(custom, fields.Q4_THRESHOLD, 0.35)
    assert after.quarters.baseline == (0.1, 0.2, 0.3, 0.4) and after.incentives.q4_threshold == 0.35


def test_a_request_per_group_is_refused_where_the_request_is_per_county():
    from allocator.scenario.catalog import scenario_files
    from allocator.scenario.upload import scenario_from_uploads

    toml, csv = scenario_files("Norge", 2026)
    norge = scenario_from_uploads({"scenario.toml": toml.encode(), "municipalities.csv": csv.encode()})
    with pytest.raises(ScenarioError, match="gitt per fylke"):
        fields.set_value(norge, fields.request_fields(norge)[0], 7000)
    by_key = fields.set_county_split(norge, True)
    assert by_key.request == norge.request and by_key.counties.split == "key"
    back = fields.set_county_split(by_key, False)
    assert back.counties.split is None and back.request == norge.request
    with pytest.raises(ScenarioError, match="ventet en andel mellom 0 og 1"):  # the files' own message
        fields.set_value(fields.set_value(norge, fields.CROSS_BORDER, True), fields.MAX_SHARE, 1.5)


def test_changes_name_every_difference_in_the_screens_words():
    after = fields.set_value(VESTLAND, fields.key_fields("population")[1], 0.5)
    after = edits.lock(after, "4601", 200, "avtalt i møtet")
    texts = [c.text for c in scenario_changes(VESTLAND, after)]
    assert "Fordelingsnøkkel, eksponent for Innbyggere: 0,6 → 0,5" in texts
    assert "Bergen, Maks totalt: 1 000 → 200" in texts
    assert "Bergen, Min. totalt: ingen grense → 200" in texts
    assert "Bergen, Begrunnelse for lås: ingen → «avtalt i møtet»" in texts
    assert not any(code in " ".join(texts) for code in ("max_total", "min_total", "population", "exponent", "key."))
    assert scenario_changes(VESTLAND, VESTLAND) == []


def test_a_draft_brings_back_both_scenarios_exactly(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_DRAFTS_DIR", str(tmp_path))
    edited = edits.lock(fields.set_value(VESTLAND, fields.request_fields(VESTLAND)[0], 710), "4602", 50, "vedtak")
    draft_id = drafts.new_id()
    drafts.save(draft_id, VESTLAND, edited, ["a", "b"], "Vestland 2026")
    back = drafts.load(draft_id)
    assert fingerprint(back.scenario) == fingerprint(edited) and fingerprint(back.base) == fingerprint(VESTLAND)
    assert back.steps == ("a", "b") and back.label == "Vestland 2026"
    assert drafts.load("../../etc/passwd") is None and not drafts.valid_id("../x")
    drafts.discard(draft_id)
    assert drafts.load(draft_id) is None


def test_the_meeting_record_names_who_absorbed_a_cap_and_a_locks_reason():
    capped = edits.set_municipality_values(VESTLAND, {"4601": {"max_total": 200}})
    locked = edits.lock(capped, "4602", int(solve(capped).allocation.sum(axis=1)["4602"]) - 5, "vedtak i kommunestyret")
    plans = [solve(s) for s in (VESTLAND, capped, locked)]
    record = meeting_record.entries([("tak", VESTLAND, capped, plans[0], plans[1]), ("lås", capped, locked, plans[1], plans[2])])
    assert record[0].effect.startswith("Bosatt 1 474 → 1 474. Bergen −")
    assert "Kinn −5 (låst: vedtak i kommunestyret)" in record[1].effect
    frame = meeting_record.frame(record)
    assert list(frame.columns) == ["Nr.", "Endring", "Fra → til", "Virkning på planen"]
    page = meeting_record.printable_html("Møtereferat", record, plans[2])
    assert "Kinn −5 (låst: vedtak i kommunestyret)" in page and "<table>" in page
    import io

    import pandas as pd

    sheet = pd.read_excel(io.BytesIO(meeting_record.workbook_bytes("Møtereferat", record, plans[2])), sheet_name="Møtereferat", skiprows=2)
    assert sheet["Endring"].tolist() == ["tak", "lås"]


def test_a_name_that_says_its_county_does_not_get_it_twice():
    from allocator.analysis.consistency import Flag

    flag = Flag("3419", "Våler (Innlandet)", "Innlandet", 9.0, 3.0, "gruppe", 5)
    assert "Våler (Innlandet) får" in flag.text and "(Innlandet) (Innlandet)" not in flag.text
    assert Flag("4601", "Bergen", "Vestland", 9.0, 3.0, "gruppe", 5).text.startswith("Bergen (Vestland) får")
