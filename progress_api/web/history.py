"""One French sentence per history entry, for the project page's timeline."""

from __future__ import annotations

from progress_api.models.cedia import CediaEvent
from progress_api.services.cedia_rules import HOSTING_LABELS, RISK_LABELS, STAGE_LABELS, Hosting, RiskClass, Stage

FIELD_LABELS = {
    "title": "Intitulé",
    "unit": "Direction",
    "sponsor": "Sponsor",
    "description": "Description",
    "use_case": "Type de cas d'usage",
    "expected_value": "Valeur attendue",
    "risk_class": "classe de risque",
    "risk_justification": "justification du risque",
    "personal_data": "données personnelles",
    "health_data": "données de santé",
    "dpia_done": "AIPD réalisée",
    "hosting": "hébergement",
    "human_in_loop": "contrôle humain",
    "ethics_review_on": "revue éthique",
    "due_on": "échéance",
    "done_on": "atteint le",
    "title_milestone": "intitulé",
}


def _stage(value: str | None) -> str:
    try:
        return STAGE_LABELS[Stage(value or "")]
    except ValueError:
        return value or "—"


def _value(field: str | None, value: str | None) -> str:
    if value is None or value == "":
        return "—"
    try:
        if field == "risk_class":
            return RISK_LABELS[RiskClass(value)]
        if field == "hosting":
            return HOSTING_LABELS[Hosting(value)]
    except ValueError:
        pass
    return value if len(value) <= 80 else value[:77] + "…"


def summarize(event: CediaEvent) -> str:
    kind, field = event.kind, event.field
    if kind == "created":
        return f"Projet créé (étape « {_stage(event.to_value)} »)"
    if kind == "stage":
        return f"Étape : {_stage(event.from_value)} → {_stage(event.to_value)}"
    if kind in ("field", "checklist"):
        label = FIELD_LABELS.get(field or "", field or "")
        prefix = "Checklist IA, " if kind == "checklist" else ""
        return f"{prefix}{label} : {_value(field, event.from_value)} → {_value(field, event.to_value)}"
    if kind == "archived":
        return "Projet archivé (retiré du tableau et des indicateurs)"
    if kind == "restored":
        return f"Projet restauré (étape « {_stage(event.to_value)} »)"
    if kind == "milestone":
        if field is None:
            return f"Jalon ajouté : {event.to_value}"
        if field == "deleted":
            return f"Jalon supprimé : {event.from_value}"
        if field == "done_on":
            return f"Jalon « {event.comment} » atteint le {event.to_value}"
        return f"Jalon « {event.comment} », {FIELD_LABELS.get(field, field)} : {event.from_value} → {event.to_value}"
    if kind == "blocker":
        if field == "deleted":
            return f"Blocage supprimé : {event.from_value}"
        if field == "description":
            return f"Blocage reformulé : {_value(field, event.from_value)} → {_value(field, event.to_value)}"
        verb = {"opened": "signalé", "resolved": "levé", "reopened": "rouvert"}.get(field or "", field or "")
        return f"Blocage {verb} : {event.to_value}"
    if kind in ("team", "coach"):
        who = "Coach" if kind == "coach" else "Équipe"
        if field == "removed":
            return f"{who} : {event.from_value} retiré·e"
        return f"{who} : {event.to_value} ajouté·e"
    return f"{kind} {field or ''}".strip()
