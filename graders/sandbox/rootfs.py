"""The file system a submission sees: a new, empty root holding only an allow-list of trees, then pivot_root.

Hiding what must stay private (a deny-list) breaks as soon as something private lives next to something needed:
the course sources with their solutions sit beside `courses.checks`, the repository's `.git` and `var/` (gradebooks,
exchange, tokens) beside the packages, and a tree hidden first can come back with a bind of one of its ancestors.
So the root is built from nothing: a small tmpfs where each allowed path (system directories, the interpreter, the
venv, the few importable packages, the datasets) is bind-mounted read-only at its own path, the working copy is a
size-capped tmpfs, `/dev` holds a handful of devices, and `/proc` is mounted fresh by the learner's process (init
of its PID namespace, so it only sees its own processes). Anything not listed does not exist.

Runs as root in the intermediate child of the zygote, inside its new mount namespace (isolation.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
SYS_PIVOT_ROOT = 155  # x86_64 and the asm-generic table (aarch64 uses 41)

# Where the OS keeps what any Python process needs (libraries, certificates, fonts, time zones, users).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEVICES = ("null", "zero", "full", "random", "urandom")
SHM_BYTES = 16 * 1024 * 1024  # POSIX semaphores of multiprocessing; counted in the submission's memory cgroup

_libc = ctypes.CDLL(None, use_errno=True)


@dataclass
class RootPlan:
    """The new root: `readable` trees bound read-only, `hidden` trees masked wherever a bound tree contains them."""

    workdir: Path
    workdir_bytes: int
    readable: list[Path]
    hidden: list[Path]


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
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


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _mount_points(prefix: str) -> list[str]:
    points = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix or point.startswith(prefix.rstrip("/") + "/"):
                points.append(point)
    return points


def _top_level_link(path: Path) -> bool:
    return path.parent == Path("/") and path.is_symlink()


def _placeholder(target: Path, is_dir: bool) -> None:
    """The mount point on the new root's tmpfs: a directory, or an empty file to bind a file onto."""
    if is_dir:
        target.mkdir(parents=True, exist_ok=True)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch(exist_ok=True)


def _operations(plan: RootPlan) -> list[tuple[str, Path]]:
    """Binds and masks in depth order, so a mask never hides a deeper allowed path and a bind never re-exposes a
    masked tree: e.g. `ACADEMY_HOME=/srv/repo/var` stays masked even though `/srv/repo/.venv` is bound."""
    readable = [p for p in plan.readable if os.path.lexists(p)]
    masks = [h for h in plan.hidden if h.is_dir() and any(_under(h, r) for r in readable)]
    ops = [("mask", h) for h in masks] + [("bind", p) for p in readable]
    # At equal depth the explicit allow-list wins (e.g. datasets configured to be the platform directory itself).
    return sorted(ops, key=lambda op: (len(op[1].parts), op[0] == "bind"))


def build_root(plan: RootPlan, stage: Path) -> None:
    """Assemble the new root on a tmpfs at `stage` (the mount namespace must already be private)."""
    handles: dict[Path, int] = {}
    ops = _operations(plan)
    for kind, path in ops:
        if kind == "bind" and not _top_level_link(path):
            handles[path] = os.open(path, os.O_PATH)  # follows links: what a nested link points to is bound
    workdir_fd = os.open(plan.workdir, os.O_RDONLY | os.O_DIRECTORY)
    mount("tmpfs", str(stage), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m")
    try:
        for kind, path in ops:
            target = Path(str(stage) + str(path))
            if kind == "mask":
                target.mkdir(parents=True, exist_ok=True)
                mount("tmpfs", str(target), "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16k")
            elif _top_level_link(path):
                # /lib -> usr/lib on merged-/usr systems: keep the link, its target is bound on its own.
                if not os.path.lexists(target):
                    os.symlink(os.readlink(path), target)
            else:
                fd = handles[path]
                _placeholder(target, os.path.isdir(f"/proc/self/fd/{fd}"))
                mount(f"/proc/self/fd/{fd}", str(target), None, MS_BIND | MS_REC)
        _devices(stage)
        (stage / "proc").mkdir(exist_ok=True)
        (stage / "tmp").mkdir(exist_ok=True)
        work = Path(str(stage) + str(plan.workdir))
        work.mkdir(parents=True, exist_ok=True)
        # The only writable place, capped: many files each under RLIMIT_FSIZE still cannot fill the disk.
        mount("tmpfs", str(work), "tmpfs", MS_NOSUID | MS_NODEV, f"mode=0700,size={plan.workdir_bytes}")
        shutil.copytree(f"/proc/self/fd/{workdir_fd}", work, dirs_exist_ok=True, symlinks=True)
        _read_only(stage, writable={str(work), str(stage / "dev" / "shm")})
    finally:
        for fd in [*handles.values(), workdir_fd]:
            os.close(fd)
    os.chdir(stage)
    _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b"."), "pivot_root")
    # The old root is now stacked under the new one: detach it, nothing of it stays reachable.
    _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def _devices(stage: Path) -> None:
    dev = stage / "dev"
    dev.mkdir(exist_ok=True)
    mount("tmpfs", str(dev), "tmpfs", MS_NOSUID, "mode=0755,size=64k")
    for name in DEVICES:
        if os.path.exists(f"/dev/{name}"):
            (dev / name).touch()
            mount(f"/dev/{name}", str(dev / name), None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "fd/0"), ("stdout", "fd/1"), ("stderr", "fd/2")):
        os.symlink(target, dev / name)
    (dev / "shm").mkdir()
    mount("tmpfs", str(dev / "shm"), "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={SHM_BYTES}")


def _read_only(stage: Path, *, writable: set[str]) -> None:
    """Every mount of the new root read-only (per-mount flag, private to this namespace) but the writable ones."""
    for point in sorted(set(_mount_points(str(stage))), key=len):
        if point in writable:
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID
        if not point.startswith(str(stage / "dev") + "/"):
            flags |= MS_NODEV
        try:
            mount(None, point, None, flags)
        except OSError:
            # Some submounts refuse a flag they were not mounted with (e.g. nodev); read-only is what matters.
            with contextlib.suppress(OSError):
                mount(None, point, None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def mount_proc() -> None:
    """In the learner's process (init of the new PID namespace): a /proc that lists only its own processes."""
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
