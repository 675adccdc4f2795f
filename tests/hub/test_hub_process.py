"""Helpers of hub/process.py that the launcher, the tests and the benchmarks share."""

from __future__ import annotations

import socket

from hub.process import free_ports


def test_free_ports_are_distinct_and_bindable() -> None:
    """Are the ports asked for together all different (one at a time, the OS may hand the same one twice)?"""
    ports = free_ports(40)
    assert len(set(ports)) == 40
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))
