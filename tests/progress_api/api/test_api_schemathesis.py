"""Fuzzing the progress API from its own OpenAPI document (schemathesis): no generated request gets a 500.

Requests are sent as an admin (every route reachable) and as a learner (the scoped paths), a bounded number of
cases per operation so the run stays short. Only our routes are fuzzed; the CEDIA routes have their own tests.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given

CASES_PER_OPERATION = 12


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "learner"])
def test_no_generated_request_gets_a_500(client: TestClient, world: Any, role: str) -> None:
    """Does every operation answer < 500 in the shared error shape, whatever schemathesis sends?"""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    headers = world.h(role)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "/cedia" in operation.path:
            continue
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=CASES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}")
            elif response.status_code >= 400:
                body = response.json()
                assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body

        run()
    assert operations > 40
    assert not failures, "\n".join(sorted(set(failures))[:20])
