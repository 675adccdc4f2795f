"""The schema is the contract notebooks read: the issue's minimum columns keep their names and Arrow types."""

from __future__ import annotations

import pyarrow as pa

from datasets_synthetic import TABLES

S, D, F, B = pa.string(), pa.date32(), pa.float64(), pa.bool_()
CONTRACT = {
    "employers": {"employer_id": S, "name": S, "sector": S, "psc_start_date": D, "employer_share_eur": F},
    "beneficiaries": {
        "beneficiary_id": S, "subscriber_id": S, "role": S, "nir": S, "sex": S, "birth_date": D, "death_date": D,
        "departement": S, "commune": S, "employer_id": S, "status": S, "chronic_condition": B,
    },
    "contracts": {
        "contract_id": S, "subscriber_id": S, "kind": S, "employer_id": S, "start_date": D, "end_date": D,
        "coverage_level": S, "monthly_premium_eur": F, "employer_share_eur": F, "enrolment": S, "wave": pa.int16(),
    },
    "practitioners": {"practitioner_id": S, "rpps": S, "category": S, "specialty": S, "sector": S, "departement": S},
    "claims": {
        "claim_id": S, "beneficiary_id": S, "practitioner_id": S, "care_date": D, "paid_date": D, "act_code": S,
        "act_family": S, "quantity": pa.int16(), "amount_billed": F, "reimbursement_base": F, "amo_rate": F,
        "amo_paid": F, "flat_participation": F, "deductible": F, "extra_fees": F, "amc_paid": F, "out_of_pocket": F,
        "is_100_sante": B, "fraud_type": S,
    },
    "emails": {"email_id": S, "subscriber_id": S, "received_at": pa.timestamp("s"), "subject": S, "body": S, "team": S},
    "psc_roster": {"agent_number": S, "nir": S, "birth_date": D, "discrepancy": S},
}  # fmt: skip


def test_the_minimum_columns_keep_their_names_and_types() -> None:
    for table, columns in CONTRACT.items():
        types = {c.name: c.type for c in TABLES[table].columns}
        for name, expected in columns.items():
            assert types.get(name) == expected, (table, name)


def test_columns_are_unique_and_described_in_french() -> None:
    for table in TABLES.values():
        assert len(set(table.names)) == len(table.names)
        assert table.description
        for column in table.columns:
            assert column.description.endswith((".", ")", "?")) and len(column.description) > 10, (
                table.name,
                column.name,
            )
