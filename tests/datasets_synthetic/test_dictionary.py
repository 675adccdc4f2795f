"""DICTIONNAIRE.md documents every table and column from the schema, and the NIR guarantee."""

from __future__ import annotations

from pathlib import Path

from datasets_synthetic import TABLES


def test_every_table_and_column_is_documented_in_french(demo_dataset: Path) -> None:
    text = (demo_dataset / "DICTIONNAIRE.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"## Table `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text
    assert "numéro d'ordre `000`" in text and "Sources des paramètres" in text
    for table in TABLES.values():
        assert table.description in text, "descriptions are copied verbatim from schema.py"
