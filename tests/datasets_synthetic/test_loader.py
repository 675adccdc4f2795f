"""The notebook loader: one line, right types, helpful French errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from datasets_synthetic import load


def test_dates_come_back_as_datetime64_and_ids_as_strings(demo_dataset: Path) -> None:
    claims = load("claims", root=demo_dataset)
    assert pd.api.types.is_datetime64_any_dtype(claims.care_date)
    assert pd.api.types.is_string_dtype(claims.claim_id) and pd.api.types.is_string_dtype(claims.act_code)
    assert pd.api.types.is_float_dtype(claims.amount_billed)
    people = load("beneficiaries", root=demo_dataset)
    assert pd.api.types.is_datetime64_any_dtype(people.death_date) and people.death_date.isna().any()
    emails = load("emails", root=demo_dataset)
    assert pd.api.types.is_datetime64_any_dtype(emails.received_at)


def test_columns_can_be_selected(demo_dataset: Path) -> None:
    frame = load("claims", root=demo_dataset, columns=["claim_id", "amount_billed"])
    assert list(frame.columns) == ["claim_id", "amount_billed"]
    with pytest.raises(ValueError, match="colonnes inconnues"):
        load("claims", root=demo_dataset, columns=["montant"])


def test_root_defaults_to_academy_datasets(demo_dataset: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACADEMY_DATASETS", str(demo_dataset))
    assert len(load("employers")) > 10


def test_pandas_reads_a_table_directory_directly(demo_dataset: Path) -> None:
    assert len(pd.read_parquet(demo_dataset / "practitioners")) > 0


def test_unknown_table_or_missing_dataset_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="table inconnue"):
        load("members", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="academy data generate"):
        load("claims", root=tmp_path)
