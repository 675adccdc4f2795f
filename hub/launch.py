"""Enter a learner's server sandbox: private mount view, own uid, own environment, then run the server.

One `Launch` (built by the hub's spawner) says everything a user server's process must become. It is applied by the
fork server's child (hub/forkserver.py) and, when the fork server is unavailable, by `python -m hub.launch`, which
reads the request on stdin (never argv: /proc/<pid>/cmdline is world-readable and the request holds a token) and
then execs the server. Both paths share `enter()`, so they cannot drift.

The mount view is a private mount namespace: each `hide` path is covered by an empty tmpfs and each `expose` path is
bound back at its own place (read-only or not), so a learner's processes see the system, minus what the platform
keeps private (solutions, tokens, other learners' homes, the grading directories). As root the process then drops
to the learner's own uid; as an ordinary user a user namespace gives the mount namespace, and every capability is
dropped before the server runs. Only the standard library is imported here: the fallback launcher starts quickly.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP = 38, 24
# statvfs flags -> mount flags: a read-only remount must repeat the flags the kernel locked on the original mount.
_LOCKED_FLAGS = {
    os.ST_NOSUID: MS_NOSUID,
    os.ST_NODEV: MS_NODEV,
    os.ST_NOEXEC: MS_NOEXEC,
    os.ST_NOATIME: MS_NOATIME,
    os.ST_NODIRATIME: MS_NODIRATIME,
    os.ST_RELATIME: MS_RELATIME,
}
# Size caps of the tmpfs given to a learner for /tmp-like paths (RAM-backed: one learner cannot fill the machine).
WRITABLE_TMPFS_SIZE = "1g"
_libc = ctypes.CDLL(None, use_errno=True)


class LaunchError(RuntimeError):
    """The sandbox could not be set up: the server must not start without it."""


@dataclass
class Launch:
    """What a user server's process becomes; JSON on the wire between the hub and the launcher."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    uid: int | None = None  # switch to this uid (and gid) when started as root
    gid: int | None = None
    userns: bool = False  # not root: a user namespace provides the mount namespace
    hide: list[tuple[str, int]] = field(default_factory=list)  # (path, mode of the empty tmpfs covering it)
    expose: list[tuple[str, bool]] = field(default_factory=list)  # (path bound back, read-only?)
    files: dict[str, str] = field(default_factory=dict)  # cwd-relative path -> text, written as the learner
    log: str | None = None  # the server's stdout/stderr (a 0600 file it cannot reopen, only write through)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Launch:
        data = json.loads(text)
        data["hide"] = [(str(p), int(m)) for p, m in data.get("hide", [])]
        data["expose"] = [(str(p), bool(ro)) for p, ro in data.get("expose", [])]
        return cls(**data)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise LaunchError(f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = lambda s: s.encode() if s is not None else None  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), flags, encode(data)), f"mount {target}")


def _depth(path: str) -> int:
    return len(Path(path).parts)


def _make_mount_point(target: str, *, directory: bool, covered: list[str]) -> None:
    """Create a missing mount point, only inside a tmpfs we mounted (never on the real file system)."""
    if os.path.lexists(target):
        return
    if not any(target.startswith(root.rstrip("/") + "/") for root in covered):
        raise LaunchError(f"{target} does not exist and is not under a hidden path: nothing to mount it on")
    os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
    if directory:
        os.mkdir(target, 0o755)
    else:
        os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))


def _enter_user_namespace() -> None:
    """Become root of a new user namespace mapped to our own ids (what `unshare --map-current-user` does)."""
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS), "unshare(user, mount)")
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")


def enter_view(launch: Launch) -> None:
    """Private mount namespace with the hidden paths covered and the exposed ones bound back."""
    if launch.userns:
        _enter_user_namespace()
    else:
        _check(_libc.unshare(CLONE_NEWNS), "unshare(mount)")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we do here propagates back to the host
    # Exposed paths are opened before anything is covered: once a parent is hidden, only these handles reach them.
    handles = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path, _ro in launch.expose if os.path.exists(path)}
    steps = [(_depth(p), 0, p, mode) for p, mode in launch.hide if os.path.isdir(p)]
    steps += [(_depth(p), 1, p, ro) for p, ro in launch.expose if p in handles]
    covered: list[str] = []
    try:
        for _, kind, path, arg in sorted(steps):
            if kind == 0:
                _make_mount_point(path, directory=True, covered=covered)
                size = WRITABLE_TMPFS_SIZE if arg & 0o002 else "8m"  # writable by all (/tmp-like) or mount points only
                _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={arg:o},size={size}")
                covered.append(path)
            else:
                handle = handles[path]
                _make_mount_point(path, directory=os.path.isdir(f"/proc/self/fd/{handle}"), covered=covered)
                _mount(f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC)
                if arg:
                    locked = os.statvfs(path).f_flag
                    flags = MS_BIND | MS_REMOUNT | MS_RDONLY
                    flags |= sum(ms for st, ms in _LOCKED_FLAGS.items() if locked & st)
                    _mount(None, path, None, flags)
    finally:
        for handle in handles.values():
            os.close(handle)


def _drop_capabilities() -> None:
    """No capability left (the user-namespace path keeps them until here; the uid switch loses them itself)."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            break  # past the last capability this kernel knows
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this thread
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable x 2 words: all zero
    _check(_libc.capset(header, data), "capset")


def _write_files(files: dict[str, str]) -> None:
    """Write the hub-managed configuration into the home, as the learner (so no link of theirs can redirect root)."""
    for relative, text in files.items():
        target = Path(relative)
        if target.is_absolute() or ".." in target.parts:
            raise LaunchError(f"refusing to write outside the home: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, target)


def _own_home(home: str, uid: int, gid: int) -> None:
    """Give the home to the learner (recursively the first time, e.g. a home made before uids were separate)."""
    os.makedirs(home, mode=0o700, exist_ok=True)
    if os.lstat(home).st_uid != uid:
        for _top, dirs, names, top_fd in os.fwalk(home, follow_symlinks=False):
            for name in dirs + names:
                os.chown(name, uid, gid, dir_fd=top_fd, follow_symlinks=False)
        os.chown(home, uid, gid, follow_symlinks=False)
    os.chmod(home, 0o700)


def _redirect_output(log: str | None) -> None:
    """stdin from /dev/null; stdout/stderr to the server's own log instead of the hub's (which a learner's process
    could otherwise read back through /proc/self/fd/1: an inherited descriptor skips the directory's 0700)."""
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if log is None:
        return
    os.makedirs(os.path.dirname(log), mode=0o700, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def enter(launch: Launch) -> None:
    """Turn the calling (single-threaded) process into the learner's sandboxed server process, minus the exec."""
    with contextlib.suppress(OSError):
        os.setsid()  # already a session leader when started by Popen(start_new_session=True)
    _redirect_output(launch.log)
    if launch.uid is not None:
        _own_home(launch.cwd, launch.uid, launch.gid if launch.gid is not None else launch.uid)
    if launch.hide or launch.expose:
        enter_view(launch)
    if launch.uid is not None:
        gid = launch.gid if launch.gid is not None else launch.uid
        os.setgroups([])
        os.setgid(gid)
        os.setuid(launch.uid)
    elif launch.userns:
        _drop_capabilities()
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")  # no setuid binary gives root back
    os.chdir(launch.cwd)
    _write_files(launch.files)
    os.environ.clear()
    os.environ.update(launch.env)


def main() -> None:
    """`python -m hub.launch`: read a Launch on stdin, enter it, exec its argv (the plain-subprocess fallback)."""
    try:
        launch = Launch.from_json(sys.stdin.read())
    except (ValueError, TypeError, KeyError) as error:
        print(f"academy launch: unreadable request on stdin ({type(error).__name__}: {error})", file=sys.stderr)
        raise SystemExit(2) from None
    try:
        enter(launch)
    except (LaunchError, OSError) as error:
        print(f"academy launch: cannot start the server of {launch.env.get('USER', '?')}: {error}", file=sys.stderr)
        raise SystemExit(70) from None
    os.execve(launch.argv[0], launch.argv, launch.env)


if __name__ == "__main__":
    main()
