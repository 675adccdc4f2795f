"""Fuzzing the progress API from its own OpenAPI document (schemathesis): no generated request gets a 500.

Requests are sent as an admin (every route reachable), as CEDIA staff (the pipeline) and as a learner (the scoped
paths), a bounded number of cases per operation so the run stays short. Every operation is fuzzed, the CEDIA
pipeline's included; the demo world's CEDIA portfolio (29 projects with milestones, blockers and members) plus
one project and one data relay of our own mean generated small ids and usernames hit real rows too.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given

from tests.progress_api.conftest import cedia_project

CASES_PER_OPERATION = 12


CASES_PER_CEDIA_OPERATION = 8  # CEDIA staff only reach the pipeline: fewer cases there, the same bound overall


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "cedia", "learner"])
def test_no_generated_request_gets_a_500(client: TestClient, world: Any, role: str, backend: str) -> None:
    """Does every operation answer < 500 in the shared error shape, whatever schemathesis sends?"""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app)
    headers = world.h(role)
    seed_cedia_rows(client, world)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if role == "cedia" and not operation.path.startswith("/api/v1/cedia"):
            continue
        operations += 1
        examples = CASES_PER_CEDIA_OPERATION if role == "cedia" else CASES_PER_OPERATION
        if backend == "postgres":  # the second backend: half the cases keep the suite's time in bounds
            examples //= 2

        @given(case=operation.as_strategy())
        @hypothesis.settings(
            max_examples=examples,
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
    assert operations > (25 if role == "cedia" else 70)
    assert not failures, "\n".join(sorted(set(failures))[:20])


def seed_cedia_rows(client: TestClient, world: Any) -> None:
    """A CEDIA project with one milestone, blocker and member, and a data relay, so fuzzed ids find real rows."""
    cedia_project(client, world)
    client.put("/api/v1/cedia/relays/apprenant2", json={"unit": "Direction financière"}, headers=world.h("cedia"))


def _unbounded_integers(node: Any, where: str, components: dict[str, Any], seen: set[str]) -> list[str]:
    if isinstance(node, list):
        return [hit for item in node for hit in _unbounded_integers(item, where, components, seen)]
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _unbounded_integers(components[name], f"{where} → {name}", components, seen)
    hits = []
    if node.get("type") == "integer" and not {"minimum", "maximum"} <= set(node):
        hits.append(where)
    for key, value in node.items():
        if key == "properties":
            for name, prop in value.items():
                hits += _unbounded_integers(prop, f"{where}.{name}", components, seen)
        elif isinstance(value, dict | list):
            hits += _unbounded_integers(value, where, components, seen)
    return hits


def test_every_integer_the_api_accepts_is_bounded(client: TestClient) -> None:
    """Is every integer a client can send (path, query, body) bounded both ways, so none overflows the driver?

    An unbounded `member_id: int` once reached SQLite with 10**20 and answered 500; fuzzing rarely draws such
    values, so the schema itself is checked.
    """
    schema = client.get("/api/v1/openapi.json").json()
    components = schema.get("components", {}).get("schemas", {})
    unbounded = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                where = f"{method.upper()} {path} ?{parameter['name']}"
                unbounded += _unbounded_integers(parameter["schema"], where, components, set())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                unbounded += _unbounded_integers(content["schema"], f"{method.upper()} {path} body", components, set())
    assert unbounded == []
