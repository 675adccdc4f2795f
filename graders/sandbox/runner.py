"""Execute a notebook's code cells in-process with IPython semantics, streaming one JSON record per cell.

The zygote builds one `SandboxShell` before any learner code exists; each submission runs in a fresh fork of it, so
the shell, the imported libraries and the namespace start pristine every time. Outputs are collected in nbformat's
v4 shape (stream, execute_result, display_data, error), capped in size; every failure is classified into an
*incident* the grader turns into a French reason.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import json
import os
import signal
import socket
import sys
import time
import traceback
import warnings
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from graders.sandbox.guard import TestGuard


class CellTimeout(BaseException):
    """Raised by SIGALRM in a cell that ran past its time limit (BaseException: `except Exception` won't hide it)."""


class StdinRefused(RuntimeError):
    """What `input()` raises during grading: nobody is there to type."""


class _Cell:
    """Outputs of the cell being executed, with the byte budget shared by stream and rich outputs."""

    def __init__(self, budget: int) -> None:
        self.outputs: list[dict[str, Any]] = []
        self.budget = budget
        self.used = 0
        self.truncated = False
        self.hidden = False  # outputs of a hidden-test segment are flagged so feedback can drop them
        self.hidden_outputs: list[int] = []
        self.incidents: list[dict[str, Any]] = []

    def _append(self, output: dict[str, Any]) -> None:
        if self.hidden:  # nbformat forbids metadata on stream outputs: remember the indices instead
            self.hidden_outputs.append(len(self.outputs))
        self.outputs.append(output)

    def take(self, size: int) -> bool:
        if self.truncated or self.used + size > self.budget:
            if not self.truncated:
                self.truncated = True
                self.incidents.append({"code": "output", "budget": self.budget})
            return False
        self.used += size
        return True

    def stream(self, name: str, text: str) -> None:
        if not text:
            return
        if not self.take(len(text.encode("utf-8", "replace"))):
            return
        last = self.outputs[-1] if self.outputs else None
        last_hidden = bool(self.hidden_outputs) and self.hidden_outputs[-1] == len(self.outputs) - 1
        if last and last["output_type"] == "stream" and last["name"] == name and last_hidden == self.hidden:
            last["text"] += text
        else:
            self._append({"output_type": "stream", "name": name, "text": text})

    def rich(self, output_type: str, data: dict[str, Any], metadata: dict[str, Any], count: int | None) -> None:
        size = sum(len(str(v)) for v in data.values())
        if not self.take(size):
            return
        out: dict[str, Any] = {"output_type": output_type, "data": data, "metadata": metadata}
        if output_type == "execute_result":
            out["execution_count"] = count
        self._append(out)


CURRENT: _Cell | None = None


class _CapturingStream(io.TextIOBase):
    def __init__(self, name: str) -> None:
        self.name_ = name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if CURRENT is not None:
            CURRENT.stream(self.name_, str(text))
        return len(text)

    def isatty(self) -> bool:
        return False


class _Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if CURRENT is not None:
            CURRENT.rich("display_data", dict(data), dict(metadata or {}), None)

    def clear_output(self, wait=False):
        if CURRENT is not None:
            CURRENT.outputs.clear()
            CURRENT.hidden_outputs.clear()


class _DisplayHook(DisplayHook):
    """Turns a cell's last expression into an `execute_result` output instead of printing `Out[n]:`."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        if CURRENT is not None:
            CURRENT.rich("execute_result", dict(format_dict), dict(md_dict or {}), self.prompt_count)

    def finish_displayhook(self) -> None:
        pass


def _outside(filename: str, workdir: str) -> bool:
    return bool(filename) and not os.path.abspath(filename).startswith(workdir.rstrip("/") + "/")


def _under(filename: str, roots: list[str]) -> bool:
    path = os.path.abspath(filename)
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def classify(
    exc: BaseException, workdir: str, hidden: list[str] | None = None, readable: list[str] | None = None
) -> dict[str, Any] | None:
    """Turn an exception from learner code into an incident code (None: an ordinary error such as a failed test)."""
    if isinstance(exc, CellTimeout):
        return {"code": "cell_timeout"}
    if isinstance(exc, MemoryError):
        return {"code": "memory"}
    if isinstance(exc, StdinRefused | EOFError):
        return {"code": "stdin"}
    if isinstance(exc, SystemExit):
        return {"code": "exit"}
    if isinstance(exc, socket.gaierror):
        return {"code": "network"}
    reason = getattr(exc, "reason", None)  # urllib wraps the socket error
    if isinstance(reason, OSError) and reason is not exc:
        return classify(reason, workdir, hidden, readable)
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL):
            return {"code": "network"}
        if exc.errno == errno.EAGAIN and isinstance(exc, BlockingIOError):
            return {"code": "processes"}
        filename = str(exc.filename or "")
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and _outside(filename, workdir):
            return {"code": "write_outside", "path": filename}
        # Outside the working copy and the allowed trees nothing exists (gradebook, other learners, exchange,
        # course sources): a missing absolute path there is an attempt to leave the folder, not a typo.
        outside = _outside(filename, workdir) and not _under(filename, readable or [])
        if exc.errno == errno.ENOENT and (_under(filename, hidden or []) or (outside and os.path.isabs(filename))):
            return {"code": "write_outside", "path": filename}
        if exc.errno == errno.EFBIG:
            return {"code": "file_size"}
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return {"code": "disk_full"}
    return None


class SandboxShell(InteractiveShell):
    """An InteractiveShell whose tracebacks become `error` outputs (what ipykernel's shell sends to clients)."""

    workdir = "/"
    hidden_roots: list[str] = []  # noqa: RUF012 - set once per forked process
    readable_roots: list[str] = []  # noqa: RUF012

    def _showtraceback(self, etype, evalue, stb):
        if CURRENT is None:
            return
        CURRENT._append(
            {
                "output_type": "error",
                "ename": getattr(etype, "__name__", str(etype)),
                "evalue": str(evalue)[:2000],
                "traceback": list(stb)[-50:],
            }
        )
        incident = (
            classify(evalue, self.workdir, self.hidden_roots, self.readable_roots)
            if isinstance(evalue, BaseException)
            else None
        )
        if incident is not None:
            CURRENT.incidents.append(incident)


def build_shell() -> SandboxShell:
    """The shell every submission forks from: no history file, inline matplotlib, our display machinery."""
    shell = SandboxShell.instance(
        displayhook_class=_DisplayHook,
        display_pub_class=_Publisher,
        history_length=0,
        colors="NoColor",
    )
    if shell.history_manager is not None:
        shell.history_manager.enabled = False
    # matplotlib-inline missing: figures are just not captured.
    with contextlib.suppress(Exception):
        shell.enable_matplotlib("inline")
    return shell


def _refuse_input(*_args: object, **_kwargs: object) -> str:
    raise StdinRefused("input() n'est pas disponible pendant la correction automatique : aucune saisie possible.")


def _on_alarm(_signum: int, _frame: object) -> None:
    raise CellTimeout("temps limite de la cellule dépassé")


def _error_output(exc: BaseException) -> dict[str, Any]:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return {"output_type": "error", "ename": type(exc).__name__, "evalue": str(exc)[:2000], "traceback": lines[-50:]}


def run_hidden(shell: SandboxShell, source: str, overlay: dict[str, Any], guard: TestGuard) -> bool:
    """A hidden-test segment, kept out of every place later learner code could read it back.

    Not through `run_cell`: that would put the code in `In`, `_ih`, `_i*`, `%history`, `linecache` (tracebacks) and
    `last_execution_result`, and its values in `Out`, `_`, `_N`. The segment runs on a copy of the learner's
    namespace, so names it defines (an expected value, a helper) never appear in the learner's; they are kept in
    `overlay` for later hidden segments, which may build on them as nbgrader's would. `guard` first puts back what
    the learner's code replaced among the functions the tests call (guard.py).
    """
    namespace = {**shell.user_ns, **overlay}
    assert CURRENT is not None
    if replaced := guard.restore(namespace):
        CURRENT.incidents.append({"code": "tests_tampered", "names": replaced[:12]})
    before = dict(namespace)
    try:
        code = compile(shell.transform_cell(source), "<tests cachés>", "exec")
        with shell.builtin_trap:
            exec(code, namespace)
    except BaseException as exc:
        CURRENT._append(_error_output(exc))
        incident = classify(exc, shell.workdir, shell.hidden_roots, shell.readable_roots)
        if incident is not None:
            CURRENT.incidents.append(incident)
        return False
    finally:
        overlay.update({k: v for k, v in namespace.items() if k not in before or before[k] is not v})
    return True


def run_cells(
    *,
    shell: SandboxShell,
    cells: list[dict[str, Any]],
    out: io.BufferedWriter,
    cell_timeout: float,
    cell_budget: int,
    total_budget: int,
    workdir: str,
    hidden: list[str] | None = None,
    readable: list[str] | None = None,
) -> None:
    """Execute each cell (its segments in order: a hidden-test segment only runs if the visible ones passed).

    Before each segment a `start` event tells the zygote, whose watchdog kills the submission if the cell outlives
    its limit anyway (learner code can switch the in-process timer off; it cannot stop the zygote).
    """
    global CURRENT
    shell.workdir = workdir
    shell.hidden_roots = list(hidden or [])
    shell.readable_roots = list(readable or [])
    warnings.filterwarnings("ignore", message="To exit: use")
    sys.stdout = _CapturingStream("stdout")
    sys.stderr = _CapturingStream("stderr")
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    builtins.input = _refuse_input
    signal.signal(signal.SIGALRM, _on_alarm)
    guard = TestGuard()  # before any learner code: what the hidden tests will be given back
    remaining = total_budget
    overlay: dict[str, Any] = {}
    for cell in cells:
        record: dict[str, Any] = {"index": cell["index"], "status": "ok", "failed_segment": None}
        current = _Cell(min(cell_budget, max(remaining, 0)))
        CURRENT = current
        started = time.monotonic()
        count = None
        for seg_no, segment in enumerate(cell["segments"]):
            current.hidden = segment["hidden"]
            out.write(json.dumps({"event": "start", "cell": cell["index"]}).encode() + b"\n")
            out.flush()
            # Re-fires every second in case learner code swallows the first CellTimeout.
            signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, cell_timeout, 1.0)
            try:
                if segment["hidden"]:
                    success = run_hidden(shell, segment["source"], overlay, guard)
                else:
                    success = shell.run_cell(segment["source"], store_history=True, silent=False).success
                    guard.learn_aliases(shell.user_ns)
            except CellTimeout:
                current._append({"output_type": "error", "ename": "CellTimeout", "evalue": "", "traceback": []})
                current.incidents.append({"code": "cell_timeout"})
                success = False
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            count = count or shell.execution_count - 1
            if not success:
                record["status"] = "error"
                record["failed_segment"] = seg_no
                record["failed_hidden"] = segment["hidden"]
                break
        CURRENT = None
        remaining -= current.used
        record.update(
            outputs=current.outputs,
            hidden_outputs=current.hidden_outputs,
            execution_count=count,
            incidents=current.incidents,
            duration=round(time.monotonic() - started, 4),
        )
        out.write(json.dumps(record).encode() + b"\n")
        out.flush()
