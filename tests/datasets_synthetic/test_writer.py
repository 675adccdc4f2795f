"""The writer: tables built from the schema only, pinned Parquet output, nulls from masks, what --force may replace."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datasets_synthetic import schema, writer


def employers_columns() -> dict[str, object]:
    return {
        "employer_id": pa.array(["E0001"]),
        "name": pa.array(["Académie de Lyon"]),
        "ministry": pa.array(["Éducation"]),
        "sector": pa.array(["education"]),
        "psc_start_date": np.array([20574]),
        "break_even_contribution_eur": np.array([75.4]),
        "employer_share_eur": np.array([37.7]),
        "headcount_weight": np.array([1.0]),
    }


def test_build_refuses_columns_that_differ_from_the_schema() -> None:
    columns = employers_columns()
    columns.pop("sector")
    with pytest.raises(RuntimeError, match=re.escape("missing {'sector'}")):
        writer.build(schema.EMPLOYERS, columns)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match=re.escape("unexpected {'extra'}")):
        writer.build(schema.EMPLOYERS, {**employers_columns(), "extra": np.array([1])})  # type: ignore[arg-type]


def test_masked_values_become_nulls_and_dates_keep_their_type() -> None:
    column = writer.to_arrow(np.ma.masked_less(np.array([20000, -1]), 0), pa.date32())
    assert column.type == pa.date32() and column.null_count == 1


def test_the_same_table_written_twice_gives_the_same_bytes_and_reads_back_plain_strings(tmp_path: Path) -> None:
    table = writer.build(schema.EMPLOYERS, employers_columns())  # type: ignore[arg-type]
    first = writer.write_part(table, tmp_path / "a", 0, "parquet")
    second = writer.write_part(table, tmp_path / "b", 0, "parquet")
    assert first.read_bytes() == second.read_bytes()
    assert pq.read_table(first).schema.field("name").type == pa.string()
    csv = writer.write_part(table, tmp_path / "c", 0, "csv")
    assert csv.read_text(encoding="utf-8").splitlines()[0].startswith('"employer_id","name"')


def test_foreign_content_names_what_is_not_ours(tmp_path: Path) -> None:
    assert writer.foreign_content(tmp_path) is None, "an empty directory may be replaced"
    (tmp_path / "manifest.json").write_text(json.dumps({"generator": "datasets_synthetic", "files": {"a/x": "0"}}))
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("")
    assert writer.foreign_content(tmp_path) is None
    (tmp_path / "a" / "y").write_text("")
    assert writer.foreign_content(tmp_path) == "it holds a/y, which its manifest.json does not list"
    (tmp_path / "manifest.json").write_text("{not json")
    assert writer.foreign_content(tmp_path) == "it has no readable manifest.json"
