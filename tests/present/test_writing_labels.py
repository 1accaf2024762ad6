"""Norwegian labels of every column a user may see (labels.column_label)."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest
from helpers import REPO

from allocator.labels import COLUMN_LABELS, column_label
from allocator.scenario.data import DATED_COLUMNS, SCHEDULE_LOCK_COLUMNS
from allocator.scenario.readers import KNOWN_COLUMNS, canonical_header


@pytest.mark.parametrize("code, label", [
    ("small_dwellings_q2", "Småboliger K2"),
    ("family_dwellings_q3", "Familieboliger K3"),
    ("minor_places_q1", "Plasser EM K1"),
    ("special_places_q4", "Plasser særskilte behov K4"),
    ("locked_q1", "Låst K1"),
    ("locked_q4", "Låst K4"),
    ("fylke", "Fylke"),
    ("sentralitet", "Sentralitet"),
    ("kostragruppe", "KOSTRA-gruppe"),
    ("bosatt_2022", "Bosatt 2022"),
    ("bosatt_2023", "Bosatt 2023"),
    ("bosatt_2024", "Bosatt 2024"),
    ("anmodning_2024", "Anmodning 2024"),
    ("vedtak_2024", "Vedtak 2024"),
    ("anmodning_em_2024", "Anmodning EM 2024"),
    ("vedtak_em_2024", "Vedtak EM 2024"),
    ("bosatt_2025", "Bosatt 2025"),
    ("population", "Innbyggere"),
    ("kommunenummer", "Kommunenr."),
])
def test_column_label(code, label):
    assert column_label(code) == label


@pytest.mark.parametrize("own", ["mitt_tall", "Arbeidsmarked 2024", "", "small_dwellings_qx", "locked_q"])
def test_a_users_own_column_keeps_its_name(own):
    assert column_label(own) == own


def test_every_column_of_the_national_table_and_every_input_column_has_a_norwegian_label():
    with open(REPO / "allocator" / "data" / "kommuner_2024.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    for code in (*header, *KNOWN_COLUMNS):
        label = column_label(code)
        assert label != code and "_" not in label, code


def test_dated_and_locked_labels_are_column_labels_and_read_back_as_their_codes():
    for code in (*DATED_COLUMNS, *SCHEDULE_LOCK_COLUMNS):
        assert COLUMN_LABELS[code] == column_label(code)
        assert canonical_header(column_label(code)) == code
        assert canonical_header(column_label(code).upper()) == code


def test_labels_are_distinct():
    labels = [label.casefold() for label in COLUMN_LABELS.values()]
    assert len(labels) == len(set(labels))


def test_labels_import_without_pandas():
    code = "import sys, allocator.labels as l; l.column_label('bosatt_2023'); print('pandas' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
