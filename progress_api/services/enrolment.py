"""Bulk enrolment of learners into a cohort, from JSON or from a CSV file (as French Excel saves it).

All-or-nothing: every row is validated first and the answer lists each bad row; only a clean batch is written, in
one transaction, with set-based statements. Idempotent: known users are updated only where a column differs, and
existing enrolments are left alone. Only callers who may edit users (admins) update a known user's profile; a
trainer's file creates and enrols people but leaves existing profiles as they are, and the answer's `notices` say
which rows were kept.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from progress_api.core.errors import ApiError, invalid
from progress_api.crud.events import bump_scopes, log_events
from progress_api.models.common import Role, table_of, utcnow
from progress_api.models.people import (
    BulkEnrolmentResult,
    Cohort,
    Enrolment,
    EnrolmentNotice,
    EnrolmentRow,
    User,
    UserRole,
)
from progress_api.services.ingest import MAX_ERRORS, chunks

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,99}$")
COLUMNS = ("username", "display_name", "email", "business_unit", "job_family")
# French headers accepted as synonyms, so a trainer's spreadsheet works as is.
ALIASES = {
    "identifiant": "username",
    "login": "username",
    "nom": "display_name",
    "nom complet": "display_name",
    "courriel": "email",
    "mail": "email",
    "direction": "business_unit",
    "metier": "job_family",
    "métier": "job_family",
    "famille de métier": "job_family",
}
MAX_CSV_BYTES = 20 * 1024 * 1024
USERS: Table = table_of(User)
ENROLMENTS: Table = table_of(Enrolment)
ROLES: Table = table_of(UserRole)
PROFILE_KEPT = (
    "Compte existant : son profil (nom, e-mail, direction, métier) n'est modifié que par un administrateur ; "
    "les valeurs du fichier ont été ignorées."
)


def parse_csv(data: bytes) -> list[dict[str, Any]]:
    """CSV bytes -> rows keyed by our column names; raises a 422 that says what is wrong with the file."""
    if len(data) > MAX_CSV_BYTES:
        raise ApiError(413, "too_large", "Fichier trop volumineux (20 Mo au plus).")
    if b"\x00" in data:
        raise invalid("Le fichier n'est pas un CSV texte (octets nuls) : exportez-le en « CSV UTF-8 ».")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV (séparateur: point-virgule)" on Windows
    if not text.strip():
        raise invalid("Le fichier CSV est vide.")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        lines = list(reader)
    except csv.Error as exc:
        raise invalid(f"CSV illisible : {exc}.") from exc
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in lines[0]]
    if "username" not in header:
        raise invalid(
            "En-tête CSV invalide : une colonne `username` (ou `identifiant`) est obligatoire.",
            {"header": lines[0], "expected": list(COLUMNS)},
        )
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise invalid(f"Colonnes inconnues : {', '.join(unknown)}.", {"expected": list(COLUMNS)})
    if len(set(header)) != len(header):
        raise invalid("Colonnes en double dans l'en-tête CSV.")
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue  # blank lines are common at the end of spreadsheets
        if len(line) != len(header):
            if len(errors) < MAX_ERRORS:
                errors.append(
                    {"row": number, "field": None, "message": f"{len(line)} colonnes au lieu de {len(header)}"}
                )
            continue
        rows.append({"_line": number, **{k: (v.strip() or None) for k, v in zip(header, line, strict=True)}})
    if errors:
        raise ApiError(
            422,
            "invalid_rows",
            "Lignes CSV mal formées : rien n'a été enregistré.",
            {"errors": errors, "rows": len(lines) - 1},
        )
    if not rows:
        raise invalid("Le fichier CSV ne contient aucune ligne de données.")
    return rows


def validate_rows(raw: list[dict[str, Any]]) -> list[EnrolmentRow]:
    """Every row checked (username shape, lengths, duplicates); a 422 with all row errors if any is bad."""
    errors: list[dict[str, Any]] = []
    valid: list[EnrolmentRow] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        where = item.get("_line", index)
        data = {k: v for k, v in item.items() if k != "_line" and v is not None}
        try:
            row = EnrolmentRow.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                if len(errors) < MAX_ERRORS:
                    errors.append({"row": where, "field": ".".join(map(str, err["loc"])), "message": err["msg"]})
            continue
        row.username = row.username.strip().lower()
        if not USERNAME.match(row.username):
            errors.append({"row": where, "field": "username", "message": f"identifiant invalide : {row.username!r}"})
            continue
        if row.username in seen:
            errors.append({"row": where, "field": "username", "message": f"doublon de la ligne {seen[row.username]}"})
            continue
        seen[row.username] = where
        valid.append(row)
    if errors:
        raise ApiError(
            422,
            "invalid_rows",
            f"{len(errors)} ligne(s) invalide(s) : personne n'a été inscrit.",
            {"errors": errors[:MAX_ERRORS], "rows": len(raw)},
        )
    return valid


def enrol(db: Session, *, cohort: Cohort, raw: list[dict[str, Any]], update_profiles: bool) -> BulkEnrolmentResult:
    """Validate `raw` rows (JSON items or `parse_csv` lines) and enrol them; notices name rows as errors do."""
    rows = validate_rows(raw)  # raises unless every row is valid, so rows and raw line up one to one
    numbers = [item.get("_line", index) for index, item in enumerate(raw)]
    return enrol_rows(db, cohort=cohort, rows=rows, update_profiles=update_profiles, row_numbers=numbers)


def enrol_rows(
    db: Session,
    *,
    cohort: Cohort,
    rows: list[EnrolmentRow],
    update_profiles: bool = True,
    row_numbers: Sequence[int] | None = None,
) -> BulkEnrolmentResult:
    """Upsert users (profiles of known users only with `update_profiles`), give them the learner role, enrol them;
    returns what changed."""
    assert cohort.id is not None
    names = [r.username for r in rows]
    existing: dict[str, tuple[Any, ...]] = {}
    for part in chunks(names):
        stmt = select(
            col(User.username),
            col(User.id),
            col(User.display_name),
            col(User.email),
            col(User.business_unit),
            col(User.job_family),
        ).where(col(User.username).in_(part))
        for name, *values in db.execute(stmt):
            existing[name] = tuple(values)
    now = utcnow()
    new_users = [
        {
            "username": r.username,
            "display_name": r.display_name or r.username,
            "email": r.email,
            "business_unit": r.business_unit,
            "job_family": r.job_family,
            "created_at": now,
        }
        for r in rows
        if r.username not in existing
    ]
    changed = []
    notices: list[EnrolmentNotice] = []
    for index, r in enumerate(rows):
        if r.username not in existing:
            continue
        uid, *current = existing[r.username]
        # A column left empty in the file keeps what the database has.
        wanted = [r.display_name or current[0], r.email or current[1], r.business_unit or current[2]]
        wanted.append(r.job_family or current[3])
        if wanted == current:
            continue
        if update_profiles:
            changed.append({"uid": uid, "dn": wanted[0], "em": wanted[1], "bu": wanted[2], "jf": wanted[3]})
        else:
            row = row_numbers[index] if row_numbers is not None else index
            notices.append(EnrolmentNotice(row=row, username=r.username, message=PROFILE_KEPT))
    if new_users:
        db.execute(insert(USERS), new_users)
    if changed:
        db.execute(
            update(USERS)
            .where(USERS.c.id == bindparam("uid"))
            .values(
                display_name=bindparam("dn"),
                email=bindparam("em"),
                business_unit=bindparam("bu"),
                job_family=bindparam("jf"),
            ),
            changed,
        )
    ids: dict[str, Any] = {}
    for part in chunks(names):
        for name, uid in db.execute(select(col(User.username), col(User.id)).where(col(User.username).in_(part))):
            ids[name] = uid
    all_ids = sorted(ids.values())
    have_role: set[int] = set()
    enrolled: set[int] = set()
    for part in chunks(all_ids):
        have_role.update(
            db.execute(
                select(col(UserRole.user_id)).where(col(UserRole.user_id).in_(part), col(UserRole.role) == "learner")
            ).scalars()
        )
        enrolled.update(
            db.execute(
                select(col(Enrolment.user_id)).where(
                    col(Enrolment.cohort_id) == cohort.id, col(Enrolment.user_id).in_(part)
                )
            ).scalars()
        )
    missing_role = [{"user_id": uid, "role": Role.learner.value} for uid in all_ids if uid not in have_role]
    to_enrol = [uid for uid in all_ids if uid not in enrolled]
    if missing_role:
        db.execute(insert(ROLES), missing_role)
    if to_enrol:
        db.execute(
            insert(ENROLMENTS), [{"cohort_id": cohort.id, "user_id": uid, "enrolled_at": now} for uid in to_enrol]
        )
        log_events(
            db,
            rows=[
                {"user_id": uid, "verb": "registered", "object_type": "cohort", "object_id": cohort.slug}
                for uid in to_enrol
            ],
        )
    if new_users or changed or to_enrol:
        # This cohort and the other cohorts of the people whose name or unit changed; nobody else's cache.
        touched = {ids[str(u["username"])] for u in new_users} | {c["uid"] for c in changed} | set(to_enrol)
        bump_scopes(db, user_ids=touched, cohort_ids=[cohort.id])
    db.flush()
    return BulkEnrolmentResult(
        rows=len(rows),
        users_created=len(new_users),
        users_updated=len(changed),
        enrolled=len(to_enrol),
        already_enrolled=len(all_ids) - len(to_enrol),
        profiles_kept=len(notices),
        notices=notices,
    )
