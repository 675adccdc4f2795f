"""DICTIONNAIRE.md documents every table and column from the schema, and states figures from the data files."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from datasets_synthetic import TABLES, dictionary, params
from datasets_synthetic.generator import Manifest


def manifest_of(root: Path) -> Manifest:
    return Manifest(**json.loads((root / "manifest.json").read_text(encoding="utf-8")))


def test_every_table_and_column_is_documented_in_french(demo_dataset: Path) -> None:
    text = (demo_dataset / "DICTIONNAIRE.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"## Table `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text
    assert "numéro d'ordre `000`" in text and "Sources des paramètres" in text
    for table in TABLES.values():
        assert table.description in text, "descriptions are copied verbatim from schema.py"


def test_the_header_names_the_tariff_changes_the_window_really_shows(
    demo_dataset: Path, year_dataset: Callable[[int], Path]
) -> None:
    """2025 spans the G revaluation of 22/12/2024; a 2026 dataset spans none and must not claim it."""
    header = (demo_dataset / "DICTIONNAIRE.md").read_text(encoding="utf-8").split("\n\n")[1]
    assert "prestations du 01/10/2024 au 31/12/2025" in header and "`G` 26,50 € → 30 € au 22/12/2024" in header
    later = (year_dataset(2026) / "DICTIONNAIRE.md").read_text(encoding="utf-8")
    header = later.split("\n\n")[1]
    assert "prestations du 01/10/2025 au 31/12/2026" in header and "22/12/2024" not in header
    assert "aucun tarif de `tariffs.csv` ne change sur cette période (le `G` y vaut 30 €)" in header
    assert "le `G` vaut 30 €." in later


def test_money_and_fraud_figures_follow_the_data_files(demo_dataset: Path) -> None:
    """Edit claims.yaml or fraud.yaml and the dictionary says the new figures (nothing is fixed text)."""
    base = params.load()
    manifest = manifest_of(demo_dataset)
    claims_spec = copy.deepcopy(base.claims)
    claims_spec["co_payments"]["yearly_cap_eur"] = 61.0
    claims_spec["co_payments"]["flat_participation"].append({"from": "2025-06-01", "eur": 3.5})
    fraud_spec = copy.deepcopy(base.fraud)
    fraud_spec["types"]["impossible_volume"]["acts_per_day"] = {"min": 81, "max": 142}
    fraud_spec["types"]["upcoding"]["upcoded_act"] = "CSC"
    edited = dataclasses.replace(base, claims=claims_spec, fraud=fraud_spec)
    before, after = dictionary.render(base, manifest), dictionary.render(edited, manifest)
    assert "plafonnée à 50 €" in before and "plafonnée à 61 €" in after
    assert "2 € puis 3,50 € au 01/06/2025 par acte" in after
    assert "70 à 130 actes" in before and "81 à 142 actes" in after and "`CSC`" in after


def test_realised_fraud_prevalence_is_recorded_in_the_manifest_and_the_dictionary(
    demo_dataset: Path, tables: dict[str, pd.DataFrame]
) -> None:
    manifest = json.loads((demo_dataset / "manifest.json").read_text(encoding="utf-8"))
    counts = tables["claims"].fraud_type.value_counts()
    total = len(tables["claims"])
    assert manifest["fraud"]["lines"] == int(counts.sum())
    assert abs(manifest["fraud"]["share"] - counts.sum() / total) < 1e-6
    text = (demo_dataset / "DICTIONNAIRE.md").read_text(encoding="utf-8")
    for name, realised in manifest["fraud"]["by_type"].items():
        assert realised["lines"] == int(counts.get(name, 0))
        assert abs(realised["share"] - realised["lines"] / total) < 1e-6
        share = f"{realised['share'] * 100:.3f} %".replace(".", ",")
        lines = f"{realised['lines']:,}".replace(",", " ")
        assert f"| `{name}` |" in text and f"| {lines} | {share} |" in text
