"""Operating-system isolation of one submission: namespaces, a private file-system view, rlimits, another uid.

Runs in the forked children of the warm zygote (never in the grader itself). What is available depends on the
machine: as root (this container, CI) we get a private network namespace (no interface but a downed loopback), a
PID namespace (every process the learner starts dies with the submission), a mount namespace whose root holds only
an allow-list of read-only trees and a size-capped working copy (rootfs.py); then the learner's code runs under an
unprivileged uid of its own, and the whole submission under one memory and process budget (cgroups.py).
Without root we fall back to what an unprivileged process can do (a user+network namespace when the kernel allows it,
rlimits) and say so in the result, so a trainer sees which guarantees held.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass, field
from pathlib import Path

from graders.sandbox.rootfs import MS_PRIVATE, MS_REC, RootPlan, build_root, mount, mount_proc

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

PR_SET_NO_NEW_PRIVS = 38

# Hidden wherever a bound tree contains them (e.g. a datasets directory set to the platform directory itself):
# shared scratch space, and /run, whose Unix sockets (PostgreSQL with trust auth...) a network namespace does not
# cover. Everything else outside the allow-list simply does not exist in the new root (rootfs.py).
ALWAYS_HIDDEN = ("/tmp", "/var/tmp", "/dev/shm", "/run", "/var/run", "/home", "/root", "/srv", "/mnt", "/media")

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class IsolationPlan:
    """What the child should see: paths it may read, the one it may write, and the trees to hide."""

    workdir: Path
    readable: list[Path]
    hidden: list[Path]
    uid: int
    workdir_bytes: int
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
    cgroup: str = "none"  # "v1" | "v2" | "none": one memory and process budget for the whole submission
    cgroup_fallback: str = ""  # why there is none (then only the per-process rlimits hold)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "network": self.network,
            "pid": self.pid,
            "filesystem": self.filesystem,
            "uid": self.uid,
            "cgroup": self.cgroup,
        }
        if self.cgroup_fallback:
            out["cgroup_fallback"] = self.cgroup_fallback
        return out


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


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
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    hidden = [p.resolve() for p in [*plan.hidden, *map(Path, ALWAYS_HIDDEN)] if p.exists()]
    root = RootPlan(workdir=plan.workdir, workdir_bytes=plan.workdir_bytes, readable=plan.readable, hidden=hidden)
    build_root(root, stage=plan.workdir.parent)
    report.filesystem = "private-read-only"


def drop_privileges(plan: IsolationPlan, report: IsolationReport) -> None:
    """In the learner's process: its own /proc, rlimits, no new privileges, and an unprivileged uid when root."""
    if report.filesystem == "private-read-only":
        mount_proc()
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
