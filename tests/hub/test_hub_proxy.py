"""The local proxy (hub/proxy.py) forwards a request even while many long ones are open, as a cohort's spawn
pages keep their progress streams open, and lets a request last longer than tornado's default 20 s."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from hub.process import free_port, wait_http

OPEN_STREAMS = 15  # more than tornado's default of 10 requests forwarded at once
HELD = 22.0  # seconds the open requests last: past tornado's default request timeout (20 s)
release = threading.Event()


class Backend(BaseHTTPRequestHandler):
    """/slow answers only once the test releases it (a progress stream); anything else answers at once."""

    def do_GET(self) -> None:  # http.server calls it by this name
        if self.path == "/slow":
            release.wait(timeout=120)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[str]:
    """hub.proxy in front of a real HTTP backend on loopback."""
    backend = ThreadingHTTPServer(("127.0.0.1", free_port()), Backend)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port, api_port = free_port(), free_port()
    target = f"http://127.0.0.1:{backend.server_address[1]}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.proxy", "--ip", "127.0.0.1", "--port", str(port), "--api-port", str(api_port),
         "--default-target", target],
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/fast", timeout=60)
        yield url
    finally:
        release.set()
        proc.terminate()
        proc.wait(timeout=30)
        backend.shutdown()


@pytest.mark.slow
def test_a_request_gets_through_while_many_long_ones_are_open(proxy: str) -> None:
    """With 15 requests held open through the proxy, does a 16th get its answer before any of them ends, and do the
    15 get their own answers after more than 20 s (not a proxy timeout)?"""
    release.clear()
    done: list[tuple[int, str]] = []

    def slow() -> None:
        answer = httpx.get(f"{proxy}/slow", timeout=120)
        done.append((answer.status_code, answer.text))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=OPEN_STREAMS) as pool:
        for _ in range(OPEN_STREAMS):
            pool.submit(slow)
        time.sleep(2.0)  # let them all reach the backend
        answer = httpx.get(f"{proxy}/fast", timeout=60)
        finished_before = len(done)
        time.sleep(max(0.0, HELD - (time.monotonic() - started)))
        release.set()
    assert answer.status_code == 200 and answer.text == "ok"
    assert finished_before == 0  # it was not waiting behind the open ones
    assert done == [(200, "ok")] * OPEN_STREAMS
