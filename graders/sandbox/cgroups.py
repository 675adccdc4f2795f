"""One memory and process budget for a whole submission: a control group created for it and removed after it.

RLIMIT_AS caps each process, so a submission that forks 32 children could still use 32 times `memory_mb`; a cgroup
caps them together (the kernel's OOM killer stops the submission instead of the machine). cgroup v1 (`memory` and
`pids` hierarchies, what this machine mounts) and v2 (one unified hierarchy) are both supported. Without either
(no root, a read-only /sys, a v2 parent that cannot delegate), `create` says why and grading goes on with the
per-process rlimits only; the result's `isolation` field records it.

The zygote creates the group, the intermediate child joins it before forking the learner's process (so every
process of the submission is in it), and the zygote removes it once they are all gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "academy-"


@dataclass
class SubmissionCgroup:
    version: str  # "v1" | "v2"
    dirs: list[Path] = field(default_factory=list)  # v1: memory (+ pids) groups; v2: the one group
    memory_dir: Path = Path("/")

    def join(self) -> None:
        """Move the calling process (and so its future children) into the group."""
        for d in self.dirs:
            (d / "cgroup.procs").write_text(str(os.getpid()))

    def oom_kills(self) -> int:
        """How many processes of the submission the kernel's OOM killer stopped (its memory cap was reached)."""
        name = "memory.oom_control" if self.version == "v1" else "memory.events"
        try:
            for line in (self.memory_dir / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def remove(self, *, timeout: float = 5.0) -> bool:
        """Wait for the submission's last processes to be reaped, kill stragglers, delete the group."""
        deadline = time.monotonic() + timeout
        removed = True
        for d in self.dirs:
            while True:
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as exc:
                    if exc.errno != errno.EBUSY or time.monotonic() > deadline:
                        removed = False
                        break
                    for pid in _procs(d):
                        with contextlib.suppress(OSError):
                            os.kill(pid, signal.SIGKILL)
                    time.sleep(0.02)
        return removed


Created = tuple[SubmissionCgroup | None, str]  # the group, or None and why not


def _procs(group: Path) -> list[int]:
    try:
        return [int(p) for p in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount root, mount point, fstype, super options) of every cgroup file system."""
    found = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                found.append((fields[3], fields[4].replace("\\040", " "), tail[0], set(tail[2].split(","))))
    return found


def _own_groups() -> dict[str, str]:
    """controller (or "" for v2) -> this process's cgroup path in that hierarchy."""
    groups: dict[str, str] = {}
    with open("/proc/self/cgroup") as fh:
        for line in fh:
            _hid, controllers, path = line.rstrip("\n").split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                groups[name] = path
    return groups


def _on_disk(mount_root: str, mount_point: str, path: str) -> Path:
    relative = path[len(mount_root) :] if mount_root != "/" and path.startswith(mount_root) else path
    return Path(mount_point) / relative.lstrip("/")


def _v1_group(controller: str) -> Path | None:
    path = _own_groups().get(controller)
    for root, point, fstype, options in _mounts():
        if fstype == "cgroup" and controller in options and path is not None:
            return _on_disk(root, point, path)
    return None


def _v2_group() -> Path | None:
    path = _own_groups().get("")
    for root, point, fstype, _options in _mounts():
        if fstype == "cgroup2" and path is not None:
            return _on_disk(root, point, path)
    return None


def create(*, name: str, memory_bytes: int, max_processes: int) -> Created:
    """A fresh group capped at `memory_bytes` and `max_processes`, or (None, why not)."""
    if not name.startswith(PREFIX):
        raise ValueError(f"cgroup names start with {PREFIX!r} so leftovers can be recognised")
    memory = _v1_group("memory")
    if memory is not None:
        return _create_v1(memory, name=name, memory_bytes=memory_bytes, max_processes=max_processes)
    unified = _v2_group()
    if unified is not None and "memory" in _read(unified / "cgroup.controllers").split():
        return _create_v2(unified, name=name, memory_bytes=memory_bytes, max_processes=max_processes)
    return None, "no cgroup memory controller mounted"


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _create_v1(parent: Path, *, name: str, memory_bytes: int, max_processes: int) -> Created:
    group = SubmissionCgroup(version="v1", memory_dir=parent / name)
    try:
        group.memory_dir.mkdir()
        group.dirs.append(group.memory_dir)
        (group.memory_dir / "memory.limit_in_bytes").write_text(str(memory_bytes))
        # No swapping around the cap where swap accounting exists (memsw must be set after the plain limit).
        with contextlib.suppress(OSError):
            (group.memory_dir / "memory.memsw.limit_in_bytes").write_text(str(memory_bytes))
        pids = _v1_group("pids")
        if pids is not None:
            (pids / name).mkdir()
            group.dirs.append(pids / name)
            (pids / name / "pids.max").write_text(str(max_processes))
    except OSError as exc:
        group.remove(timeout=0)
        return None, f"cgroup v1 unavailable under {parent}: {exc.strerror or exc}"
    return group, ""


def _create_v2(parent: Path, *, name: str, memory_bytes: int, max_processes: int) -> Created:
    group = SubmissionCgroup(version="v2", memory_dir=parent / name)
    try:
        wanted = [c for c in ("memory", "pids") if c in _read(parent / "cgroup.controllers").split()]
        enabled = _read(parent / "cgroup.subtree_control").split()
        missing = [c for c in wanted if c not in enabled]
        if missing:
            # Refused (EBUSY) when the parent holds processes itself: the grader must run in a delegated group.
            (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))
        group.memory_dir.mkdir()
        group.dirs.append(group.memory_dir)
        (group.memory_dir / "memory.max").write_text(str(memory_bytes))
        with contextlib.suppress(OSError):
            (group.memory_dir / "memory.swap.max").write_text("0")
        if "pids" in wanted:
            (group.memory_dir / "pids.max").write_text(str(max_processes))
    except OSError as exc:
        group.remove(timeout=0)
        return None, f"cgroup v2 unavailable under {parent}: {exc.strerror or exc}"
    return group, ""


def remove_stale() -> int:
    """Delete empty groups left by zygotes that died (their name carries the zygote's pid); returns how many."""
    parents = [p for p in (_v1_group("memory"), _v1_group("pids"), _v2_group()) if p is not None]
    removed = 0
    for parent in parents:
        with contextlib.suppress(OSError):
            for entry in parent.iterdir():
                owner = entry.name.removeprefix(PREFIX).split("-", 1)[0]
                if not entry.name.startswith(PREFIX) or not owner.isdigit() or _alive(int(owner)):
                    continue
                with contextlib.suppress(OSError):
                    entry.rmdir()
                    removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
