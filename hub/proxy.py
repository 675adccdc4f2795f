"""The local proxy: the Python configurable-http-proxy, with room for every learner's open request.

Tornado's HTTP client, which the Python proxy forwards requests with, runs at most 10 requests at once by default
and queues the others. A learner waiting for a server keeps the spawn's progress stream open (the spawn page's
EventSource), so ten learners on that page held all ten slots and every other request through the proxy, to the hub
or to servers, waited until "Timeout in request queue" (HTTP 503): measured with benchmarks/hub_load.py, 50
learners at once. The same client also ends any forwarded request after 20 s by default (the proxy answers 503):
a progress stream of a spawn queued longer than that, or a long nbgrader validation, was cut. JupyterHub starts
this module as its proxy command, with configurable-http-proxy's own arguments.
"""

from __future__ import annotations

import resource
import sys

# Requests forwarded at once (each holds two sockets): far above what a cohort's browsers keep open.
MAX_CLIENTS = 2000
# A forwarded request may last this long (a spawn waits up to ACADEMY_SPAWN_TIMEOUT, 600 s by default).
REQUEST_TIMEOUT = 3600.0


def main() -> None:
    from configurable_http_proxy.cli import main as proxy_main
    from tornado.httpclient import AsyncHTTPClient

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * MAX_CLIENTS + 256
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (wanted if hard == resource.RLIM_INFINITY else min(wanted, hard), hard)
        )
    AsyncHTTPClient.configure(None, max_clients=MAX_CLIENTS, defaults={"request_timeout": REQUEST_TIMEOUT})
    sys.argv[0] = "configurable-http-proxy"
    proxy_main()


if __name__ == "__main__":
    main()
