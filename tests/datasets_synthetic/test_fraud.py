"""Labelled fraud: several types, low known prevalence, caught by a sensible model but not by any single column."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from datasets_synthetic import load

FRAUD_TYPES = {"phantom_billing", "duplicate_billing", "upcoding", "impossible_volume", "care_after_death"}


def test_every_fraud_type_appears_at_a_low_prevalence(tables: dict[str, pd.DataFrame]) -> None:
    labels = tables["claims"].fraud_type
    assert set(labels.dropna()) == FRAUD_TYPES
    assert 0.001 <= labels.notna().mean() <= 0.01


def test_no_single_claims_column_gives_the_fraud_away(tables: dict[str, pd.DataFrame]) -> None:
    """Ranking lines by any one column (either direction, or by a value's fraud rate) finds little fraud."""
    claims = tables["claims"]
    y = claims.fraud_type.notna().to_numpy()
    # Identifiers are keys, not features (target-encoding them in-sample would only measure overfitting).
    for column in claims.columns.drop(["fraud_type", "claim_id", "beneficiary_id", "practitioner_id"]):
        values = claims[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.astype("int64")
        if values.dtype == bool or pd.api.types.is_numeric_dtype(values):
            score = values.astype(float).to_numpy()
            precision = max(average_precision_score(y, score), average_precision_score(y, -score))
        else:
            score = values.map(pd.Series(y, index=values.index).groupby(values).mean()).to_numpy()
            precision = average_precision_score(y, score)
        assert precision < 0.15, column


def features(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """What a fraud analyst would compute: volumes, history, joins with members and providers."""
    claims = (
        tables["claims"]
        .merge(
            tables["beneficiaries"][["beneficiary_id", "death_date", "departement", "birth_date"]], on="beneficiary_id"
        )
        .merge(
            tables["practitioners"][["practitioner_id", "category", "specialty", "departement"]],
            on="practitioner_id",
            suffixes=("", "_practitioner"),
        )
    )
    out = pd.DataFrame(index=claims.index)
    out["daily_volume"] = claims.groupby(["practitioner_id", "care_date"]).claim_id.transform("size")
    out["after_death"] = (claims.care_date > claims.death_date).astype(int)
    out["same_act_same_day"] = claims.groupby(
        ["beneficiary_id", "practitioner_id", "care_date", "act_code"]
    ).claim_id.transform("size")
    out["far_from_home"] = (claims.departement != claims.departement_practitioner).astype(int)
    out["gp_bills_expert_act"] = ((claims.specialty == "general_practice") & (claims.act_code == "APC")).astype(int)
    pair = claims.groupby(["beneficiary_id", "practitioner_id"]).claim_id.transform("size")
    out["pair_count"] = pair
    out["patients_of_practitioner"] = claims.groupby("practitioner_id").beneficiary_id.transform("nunique")
    out["amount"] = claims.amount_billed
    out["label"] = claims.fraud_type.notna().astype(int)
    return out


@pytest.mark.parametrize("dataset", ["demo", "chunked"])
def test_a_sensible_model_finds_most_fraud(
    dataset: str, tables: dict[str, pd.DataFrame], chunked_dataset: Path
) -> None:
    """Gradient boosting on analyst features ranks fraud far better than any single column, whatever the seed.

    The model is regularised (depth 4, L2, no early stopping on a random tenth, stratified shuffled folds): an
    unregularised one saturates its leaves on ~200 positives per fold and swings between AUC 0.45 and 0.95 from one
    seed to the next, which says nothing about the data.
    """
    if dataset == "chunked":
        names = ("claims", "beneficiaries", "practitioners")
        tables = {name: load(name, root=chunked_dataset) for name in names}
    data = features(tables)
    x, y = data.drop(columns="label"), data.label.to_numpy()
    model = HistGradientBoostingClassifier(
        max_iter=100, max_depth=4, l2_regularization=1.0, early_stopping=False, random_state=0
    )
    folds = StratifiedKFold(n_splits=2, shuffle=True, random_state=0)
    with threadpool_limits(1):  # OpenMP threads on a shared 2-core machine only oversubscribe it (7x slower)
        proba = cross_val_predict(model, x, y, cv=folds, method="predict_proba")[:, 1]
    assert roc_auc_score(y, proba) > 0.95
    assert average_precision_score(y, proba) > 0.5
