"""The zygote's side of one running submission: read its records, enforce the limits learner code cannot touch.

The learner's process reports on a pipe: a `{"event": "start", "cell": i}` line before each segment and one record
per cell after it. Everything here runs outside the learner's reach, so it holds even when learner code disables
the in-process timer (`signal.signal(SIGALRM, SIG_IGN)`, `signal.alarm(0)`...), blocks in C code, or floods the
pipe: the per-cell watchdog, the total deadline, the byte cap, and the OOM kills of the submission's cgroup.
"""

from __future__ import annotations

import json
import os
import selectors
import time
from dataclasses import dataclass, field
from typing import Any

from graders.sandbox.cgroups import SubmissionCgroup

# How long past its own limit a cell may run before the watchdog kills the submission: the in-process timer
# normally interrupts it at the limit and re-fires every second, so only a disabled timer gets this far.
WATCHDOG_GRACE_S = 2.0


@dataclass
class Outcome:
    status: str = "completed"  # completed | total_timeout | cell_killed | output_limit | died | setup_failed
    records: list[dict[str, Any]] = field(default_factory=list)
    isolation: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    stopped_at: int | None = None  # index of the cell running when the submission was stopped or died
    oom: list[int | None] = field(default_factory=list)  # the cell running at each OOM kill of the submission


class Monitor:
    """Reads one submission's pipe until it ends or a limit is reached (then the caller kills it)."""

    def __init__(
        self, *, fd: int, cell_timeout: float, total_timeout: float, byte_cap: int, cgroup: SubmissionCgroup | None
    ) -> None:
        self.fd = fd
        self.cell_timeout = cell_timeout
        self.deadline = time.monotonic() + total_timeout
        self.byte_cap = byte_cap
        self.cgroup = cgroup
        self.outcome = Outcome()
        self._buffer = b""
        self._received = 0
        self._running: int | None = None  # cell of the last "start" event without its record yet
        self._cell_deadline: float | None = None
        self._oom_seen = 0

    def run(self) -> Outcome:
        selector = selectors.DefaultSelector()
        selector.register(self.fd, selectors.EVENT_READ)
        try:
            while self._step(selector):
                pass
        finally:
            selector.close()
        self._check_oom()
        if self._buffer.strip():
            self._line(self._buffer)  # a last line without its newline (the process died while writing)
        if self.outcome.status != "completed" and self.outcome.stopped_at is None:
            self.outcome.stopped_at = self._running
        return self.outcome

    def _step(self, selector: selectors.BaseSelector) -> bool:
        now = time.monotonic()
        self._check_oom()
        if now >= self.deadline:
            self.outcome.status = "total_timeout"
            return False
        if self._cell_deadline is not None and now >= self._cell_deadline:
            self.outcome.status = "cell_killed"
            return False
        wait = min(self.deadline - now, 0.25)
        if self._cell_deadline is not None:
            wait = min(wait, self._cell_deadline - now)
        if not selector.select(timeout=max(wait, 0.0)):
            return True
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            return False
        self._received += len(chunk)
        if self._received > self.byte_cap:
            self.outcome.status = "output_limit"
            return False
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            self._line(line)
        return True

    def _check_oom(self) -> None:
        if self.cgroup is None:
            return
        kills = self.cgroup.oom_kills()
        if kills > self._oom_seen:
            self.outcome.oom.extend([self._running] * (kills - self._oom_seen))
            self._oom_seen = kills

    def _line(self, line: bytes) -> None:
        if not line.strip():
            return
        try:
            record = json.loads(line)
        except ValueError:
            return  # bytes the learner wrote to the pipe
        if not isinstance(record, dict):
            return
        if record.get("event") == "start" and isinstance(record.get("cell"), int):
            self._running = record["cell"]
            self._cell_deadline = time.monotonic() + self.cell_timeout + WATCHDOG_GRACE_S
        elif "isolation" in record:
            self.outcome.isolation = record["isolation"]
        elif "setup_error" in record:
            self.outcome.status = "setup_failed"
            self.outcome.error = str(record["setup_error"])
        elif isinstance(record.get("index"), int) and record["index"] == self._running:
            self.outcome.records.append(record)
            self._running = None
            self._cell_deadline = None
