"""Operating-system isolation of one submission: namespaces, a read-only file-system view, rlimits, another uid.

Runs in the forked children of the warm zygote (never in the grader itself). What is available depends on the
machine: as root (this container, CI) we get a private network namespace (no interface but a downed loopback), a
PID namespace (every process the learner starts dies with the submission), a mount namespace where the whole file
system is read-only, the grading and exchange trees and every temporary directory are hidden, and only the
submission's private working copy is writable; then the learner's code runs under an unprivileged uid of its own.
Without root we fall back to what an unprivileged process can do (a user+network namespace when the kernel allows it,
rlimits) and say so in the result, so a trainer sees which guarantees held.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1

# Mounts left alone when the rest of the tree becomes read-only: kernel interfaces and devices (/dev/null must work).
_KEEP_MOUNTS = ("/proc", "/sys", "/dev")

# Always hidden: shared scratch space other processes use, and /run, whose Unix sockets (PostgreSQL with trust auth,
# MariaDB...) a network namespace does not cover.
ALWAYS_HIDDEN = ("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run", "/home", "/root", "/srv", "/mnt", "/media")

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class IsolationPlan:
    """What the child should see: paths it may read, the one it may write, and the trees to hide."""

    workdir: Path
    readable: list[Path]
    hidden: list[Path]
    uid: int
    memory_bytes: int
    max_processes: int
    max_file_bytes: int
    max_open_files: int
    cpu_seconds: int


@dataclass
class IsolationReport:
    """Which guarantees actually hold for this submission (shown in the run summary)."""

    network: str = "none"  # "namespace" | "none"
    pid: str = "none"  # "namespace" | "none"
    filesystem: str = "none"  # "private-read-only" | "none"
    uid: str = "same"  # "unprivileged" | "same"
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {"network": self.network, "pid": self.pid, "filesystem": self.filesystem, "uid": self.uid}


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _blocking_ancestor(path: Path) -> Path | None:
    """The first directory on the way to `path` that 'other' users cannot traverse (e.g. /root, pytest's tmp)."""
    current = Path("/")
    for part in path.parts[1:]:
        current = current / part
        try:
            mode = current.stat().st_mode
        except OSError:
            return None
        if current != path and not mode & 0o001:
            return current
    return None


def _mount_points() -> list[str]:
    points = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            point = line.split()[4].replace("\\040", " ")
            points.append(point)
    return points


def enter_namespaces(plan: IsolationPlan, report: IsolationReport) -> None:
    """In the intermediate child: new mount/network/PID namespaces and the read-only file-system view.

    The PID namespace applies to the next fork (the learner's process becomes its init, so every process it
    starts is killed by the kernel when it ends).
    """
    if os.geteuid() != 0:
        try:
            unshare(CLONE_NEWUSER | CLONE_NEWNET)
            report.network = "namespace"
        except OSError as exc:
            report.notes.append(f"no network namespace without root: {exc}")
        return
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
    report.network = "namespace"
    report.pid = "namespace"
    _private_filesystem(plan)
    report.filesystem = "private-read-only"


def _private_filesystem(plan: IsolationPlan) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    readable = [p for p in plan.readable if p.exists()]
    # Keep a handle on everything we will bind back before hiding its parents.
    handles = {p: os.open(p, os.O_PATH) for p in [*readable, plan.workdir]}
    hidden = {p.resolve() for p in [*plan.hidden, *map(Path, ALWAYS_HIDDEN)] if p.is_dir()}
    for p in handles:
        blocker = _blocking_ancestor(p)
        if blocker is not None:
            hidden.add(blocker)
    for target in sorted(hidden, key=lambda p: len(p.parts)):
        if target.is_dir():  # may already sit under an earlier tmpfs
            _mount("tmpfs", str(target), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m")
    for path, fd in handles.items():
        st = os.fstat(fd)
        try:
            same = path.stat().st_ino == st.st_ino and path.stat().st_dev == st.st_dev
        except OSError:
            same = False
        if not same or path == plan.workdir:
            path.mkdir(parents=True, exist_ok=True)
            _mount(f"/proc/self/fd/{fd}", str(path), None, MS_BIND | MS_REC)
    # Everything but the working copy becomes read-only (per-mount flag, private to this namespace).
    for point in sorted(set(_mount_points()), key=len):
        if point == str(plan.workdir) or any(point == k or point.startswith(k + "/") for k in _KEEP_MOUNTS):
            continue
        try:
            _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        except OSError:
            # A mount now covered by one of our tmpfs cannot be reached, and needs nothing.
            with contextlib.suppress(OSError):
                _mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    for fd in handles.values():
        os.close(fd)


def drop_privileges(plan: IsolationPlan, report: IsolationReport) -> None:
    """In the learner's process: rlimits, no new privileges, and an unprivileged uid when we are root."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a too-large file write raises EFBIG instead of killing
    current = _address_space_bytes()
    limits = {
        resource.RLIMIT_AS: current + plan.memory_bytes,
        resource.RLIMIT_NPROC: plan.max_processes,
        resource.RLIMIT_FSIZE: plan.max_file_bytes,
        resource.RLIMIT_NOFILE: plan.max_open_files,
        resource.RLIMIT_CORE: 0,
        resource.RLIMIT_CPU: plan.cpu_seconds,
    }
    for which, value in limits.items():
        _soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        resource.setrlimit(which, (value, value))
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    if os.geteuid() == 0:
        os.chown(plan.workdir, plan.uid, plan.uid)
        for root, dirs, files in os.walk(plan.workdir):
            for name in dirs + files:
                os.lchown(os.path.join(root, name), plan.uid, plan.uid)
        os.setgroups([])
        os.setresgid(plan.uid, plan.uid, plan.uid)
        os.setresuid(plan.uid, plan.uid, plan.uid)
        report.uid = "unprivileged"


def _address_space_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0
