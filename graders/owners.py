"""Who handed a submission in: an inbound submission must belong to the uid the hub gave the learner it names.

nbgrader's exchange is a shared, world-writable inbound directory: anyone can drop `bob+a01+<timestamp>+<random>`
there. When the hub runs as root, every learner's server runs under its own uid and the hub writes
`$ACADEMY_HOME/hub/user_uids.json` = `{"<username>": <uid>, ...}` (root-owned). With that file, a submission whose
directory or any file in it belongs to another uid, or that names a learner the hub does not know, or that holds a
symbolic link (the grader, as root, would copy what it points to: another learner's notebook) is rejected: not
collected, not graded, nothing published in that learner's name, and reported with a French reason. Without the
file there is nothing to compare with (e.g. every learner runs as the same user): no check, and the run says so.
"""

from __future__ import annotations

import glob
import json
import logging
import os
import stat
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbgrader.exchange.default import ExchangeCollect
from traitlets import List, Unicode

from graders.config import GraderSettings

log = logging.getLogger("graders.owners")


class OwnerMapError(RuntimeError):
    """The uid map cannot be trusted or read; the message says how to fix it."""


@dataclass
class Rejection:
    entry: str
    student: str
    assignment: str
    reason: str  # French, for the trainer's summary


@dataclass
class OwnerCheck:
    """The outcome for one course's inbound: which entries are rejected, and whether the check ran at all."""

    active: bool
    source: Path
    rejected: dict[str, Rejection] = field(default_factory=dict)  # inbound entry name -> why

    @property
    def note(self) -> str:
        if self.active:
            return f"Contrôle des propriétaires des rendus : actif ({self.source})."
        return (
            f"Contrôle des propriétaires des rendus : désactivé, {self.source} n'existe pas (le hub l'écrit quand il "
            "lance chaque apprenant sous son propre uid)."
        )


def load_uids(path: Path) -> dict[str, int] | None:
    """The hub's username -> uid map; None when the file does not exist."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    folder = path.parent.stat()
    trusted = {0, os.geteuid()}
    for what, info in ((path, st), (path.parent, folder)):
        if info.st_uid not in trusted or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise OwnerMapError(
                f"{what} decides whose submissions are accepted but can be changed by others "
                f"(owner uid {info.st_uid}, mode {stat.filemode(info.st_mode)}): make it root-owned and not "
                "group- or world-writable (e.g. chown root: and chmod 644 the file, 755 its folder)"
            )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise OwnerMapError(f'{path} is not valid JSON ({exc}): expected {{"<username>": <uid>, ...}}') from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in data.items()
    ):
        raise OwnerMapError(f'{path} must map usernames to integer uids, e.g. {{"alice": 70001}}')
    return data


def _problem(entry: Path, expected: int) -> str | None:
    """Why `entry` was not handed in by uid `expected` (None: it was)."""
    paths = [entry]
    for root, dirs, files in os.walk(entry):
        paths += [Path(root) / name for name in dirs + files]
    for path in paths:
        info = os.lstat(path)
        where = path.relative_to(entry.parent)
        if stat.S_ISLNK(info.st_mode):
            return f"il contient un lien symbolique ({where}), qui pourrait désigner les fichiers d'un autre apprenant"
        if info.st_uid != expected:
            return f"{where} appartient à l'uid {info.st_uid}, pas à celui de l'apprenant ({expected})"
    return None


def check(
    settings: GraderSettings,
    course: str,
    assignment: str | None = None,
    *,
    on_entry: Callable[[int], None] | None = None,
) -> OwnerCheck:
    """Vet every inbound submission of `course` (of `assignment` only, when given) against the hub's uid map;
    `on_entry(total)` is called once per entry looked at (for a progress bar)."""
    from graders.collect import parse_inbound

    source = settings.submitter_uids_path
    uids = load_uids(source)
    result = OwnerCheck(active=uids is not None, source=source)
    inbound = settings.exchange_dir / course / "inbound"
    if uids is None or not inbound.is_dir():
        return result
    entries = sorted(inbound.iterdir())
    for entry in entries:
        if on_entry is not None:
            on_entry(len(entries))
        parsed = parse_inbound(entry.name)
        if parsed is None or (assignment is not None and parsed[1] != assignment):
            continue
        student, entry_assignment = parsed[0], parsed[1]
        expected = uids.get(student)
        if expected is None:
            why = f"{student} n'a pas d'uid dans {source}"
        else:
            problem = _problem(entry, expected)
            if problem is None:
                continue
            why = problem
        reason = f"Rendu « {entry.name} » refusé : {why} ; il n'est pas corrigé au nom de {student}."
        result.rejected[entry.name] = Rejection(
            entry=entry.name, student=student, assignment=entry_assignment, reason=reason
        )
        log.warning("%s/%s: %s", course, entry.name, reason)
    return result


class VettedCollect(ExchangeCollect):
    """nbgrader's collect, blind to the rejected inbound entries (so a newer forged submission cannot shadow the
    learner's own, older one)."""

    rejected = List(Unicode(), default_value=[], help="Inbound entry names not to collect.").tag(config=True)

    def init_src(self) -> None:
        super().init_src()  # paths, due date and nbgrader's own checks
        if not self.rejected:
            return
        student_id = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, f"{student_id}+{self.coursedir.assignment_id}+*")
        records = [self._path_to_record(f) for f in glob.glob(pattern) if os.path.basename(f) not in set(self.rejected)]
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in records:
            groups[record["username"]].append(record)
        # Same choice as nbgrader: the latest, or with before_duedate the latest on time (else the latest).
        self.src_records = []
        for group in groups.values():
            ordered = self._sort_by_timestamp(group)
            if self.duedate is not None and self.before_duedate:
                on_time = [r for r in ordered if r["timestamp"] <= self.duedate]
                ordered = on_time or ordered
            self.src_records.append(ordered[0])
