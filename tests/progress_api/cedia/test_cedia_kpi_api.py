"""`GET /api/v1/cedia/kpis` on a known portfolio: every figure checked against values worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from progress_api.models.cedia import CediaEvent, CediaMember, CediaProject
from progress_api.services.cedia_kpi import MemberRole
from progress_api.services.cedia_portfolio import load_units

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
PRESTATIONS = "Direction des prestations santé"
ACTUARIAT = "Direction technique et actuariat"
FINANCE = "Direction financière"


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def seed_portfolio(db: Session) -> None:
    """Three projects with a dated history (the same as the pure KPI test) and a small team."""
    histories = {
        ("Prévision des dépenses optiques", PRESTATIONS, "forecasting", "autonomy"): [
            (None, "intake", 0),
            ("intake", "qualification", 10),
            ("qualification", "coaching", 30),
            ("coaching", "delivery", 90),
            ("delivery", "autonomy", 120),
        ],
        ("Détection des doublons de facturation", PRESTATIONS, "fraud_anomaly", "abandoned"): [
            (None, "intake", 1),
            ("intake", "qualification", 5),
            ("qualification", "abandoned", 35),
        ],
        ("Tableau de bord des cotisations", ACTUARIAT, "dataviz_bi", "qualification"): [
            (None, "intake", 100),
            ("intake", "qualification", 120),
        ],
    }
    ids = []
    for (title, unit, use_case, stage), events in histories.items():
        project = CediaProject(title=title, unit=unit, use_case=use_case, stage=stage, created_at=day(events[0][2]))
        db.add(project)
        db.flush()
        assert project.id is not None
        ids.append(project.id)
        for src, dst, n in events:
            kind = "created" if src is None else "stage"
            db.add(CediaEvent(project_id=project.id, actor="cedia", kind=kind, from_value=src, to_value=dst, at=day(n)))
    # An archived project (a duplicate entered by mistake): its history, team and stage count nowhere.
    archived = CediaProject(
        title="Doublon", unit=FINANCE, stage="coaching", created_at=day(3), archived_at=day(200), version=3
    )
    db.add(archived)
    db.flush()
    assert archived.id is not None
    for src, dst, n in [(None, "intake", 3), ("intake", "qualification", 4), ("qualification", "coaching", 5)]:
        kind = "created" if src is None else "stage"
        db.add(CediaEvent(project_id=archived.id, actor="cedia", kind=kind, from_value=src, to_value=dst, at=day(n)))
    db.add(
        CediaMember(
            project_id=archived.id, display_name="Inès Moreau", username="apprenant5", role="data_relay", unit=FINANCE
        )
    )
    team = [
        (ids[0], "Camille Martin", "apprenant1", MemberRole.data_relay, PRESTATIONS),
        (ids[1], "Camille Martin", "apprenant1", MemberRole.alumni, PRESTATIONS),
        (ids[1], "Bruno Petit", None, MemberRole.data_relay, PRESTATIONS),
        (ids[2], "Yanis Bernard", "apprenant2", MemberRole.learner, ACTUARIAT),
        (ids[2], "Zoé Externe", "zoe", MemberRole.business_expert, ACTUARIAT),
    ]
    for pid, name, username, role, unit in team:
        db.add(CediaMember(project_id=pid, display_name=name, username=username, role=role, unit=unit))
    db.commit()


def test_kpis_on_a_known_portfolio(client: TestClient, demo: Any, db: Session) -> None:
    """Funnel, median days per stage, quarters, units, relays (projects and roster) and learners, by hand."""
    seed_portfolio(db)
    h = demo.h("cedia")
    # The roster flags: apprenant1 (already a relay on a project: counted once), apprenant3 (on no project) in
    # Actuariat, apprenant2 with the unit of their directory entry.
    for username, body in (
        ("apprenant1", {"unit": PRESTATIONS}),
        ("apprenant3", {"unit": ACTUARIAT}),
        ("apprenant2", {}),
    ):
        assert client.put(f"/api/v1/cedia/relays/{username}", json=body, headers=h).status_code == 201
    k = client.get("/api/v1/cedia/kpis", headers=h).json()
    assert k["projects"] == 3
    assert {f["stage"]: f["count"] for f in k["funnel"]} == {
        "intake": 0,
        "qualification": 1,
        "coaching": 0,
        "delivery": 0,
        "autonomy": 1,
        "on_hold": 0,
        "abandoned": 1,
    }
    times = {t["stage"]: (t["median_days"], t["completed_stays"], t["ongoing"]) for t in k["time_in_stages"]}
    assert times["intake"] == (10.0, 3, 0)
    assert times["qualification"] == (25.0, 2, 1)
    assert times["coaching"] == (60.0, 1, 0)
    assert times["delivery"] == (30.0, 1, 0)
    assert k["throughput"] == [
        {"quarter": "2025-T1", "started": 2, "delivered": 0, "autonomous": 0, "abandoned": 1},
        {"quarter": "2025-T2", "started": 1, "delivered": 1, "autonomous": 1, "abandoned": 0},
    ]
    assert k["per_unit"] == [
        {"unit": PRESTATIONS, "total": 2, "active": 0, "autonomous": 1},
        {"unit": ACTUARIAT, "total": 1, "active": 1, "autonomous": 0},
    ]
    relays = {r["unit"]: (r["baseline"], r["current"], r["goal"]) for r in k["relays"]["units"]}
    # Baselines come from services/cedia_units.yml: prestations 3 (goal 9), actuariat 4 (goal 12), finance 2 (6).
    # Prestations: Camille (project and roster) + Bruno Petit = 2; Actuariat: Léa (roster) + Yanis (roster, the
    # seeded directory puts apprenant2 in the actuarial unit) = 2; Finance: Inès was only on the archived project.
    assert relays[PRESTATIONS] == (3, 2, 9)
    assert relays[ACTUARIAT] == (4, 2, 12)
    assert relays[FINANCE] == (2, 0, 6)
    units = load_units()
    assert k["relays"]["goal_factor"] == 3
    assert k["relays"]["total_baseline"] == sum(units.baselines.values())
    assert k["relays"]["total_goal"] == 3 * k["relays"]["total_baseline"]
    assert k["relays"]["total_current"] == 4
    assert set(relays) == set(units.baselines)  # no stray unit: every relay's unit is a reference unit
    # apprenant1 and apprenant2 are enrolled in the demo cohort; "zoe" is not an academy learner.
    assert k["learners_involved"] == {
        "learners": 2,
        "usernames": ["apprenant1", "apprenant2"],
        "projects_with_learners": 3,
    }
