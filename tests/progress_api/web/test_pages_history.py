"""The project page's timeline says in French what each kind of change was, the newer kinds included."""

from __future__ import annotations

from progress_api.models.cedia import CediaEvent
from progress_api.web.history import summarize


def _event(kind: str, field: str | None = None, **values: str) -> CediaEvent:
    return CediaEvent(project_id=1, actor="cedia", kind=kind, field=field, **values)


def test_archive_restore_and_deletions_read_as_sentences() -> None:
    assert summarize(_event("archived", from_value="coaching")).startswith("Projet archivé")
    assert summarize(_event("restored", to_value="coaching")) == "Projet restauré (étape « Accompagnement »)"
    assert summarize(_event("milestone", "deleted", from_value="POC (2026-12-01)")) == (
        "Jalon supprimé : POC (2026-12-01)"
    )
    assert summarize(_event("blocker", "deleted", from_value="Accès")) == "Blocage supprimé : Accès"
    assert summarize(_event("blocker", "description", from_value="Accès", to_value="Habilitations")) == (
        "Blocage reformulé : Accès → Habilitations"
    )
