"""Out-of-range numbers never reach the database driver: every CEDIA id and version is bounded (422, not 500)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

API = "/api/v1/cedia"
HUGE = (2**31, 2**63, 10**20)


def _id_routes(client: TestClient) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith(API) and re.search(r"\{\w+_id\}", path)
        for method in operations
    ]


def test_huge_ids_in_any_cedia_path_get_422(client: TestClient, demo: Any) -> None:
    """An id beyond the INTEGER columns (int32 on PostgreSQL, int64 on SQLite) is a 422 naming the parameter."""
    h = demo.h("cedia")
    project = client.post(f"{API}/projects", json={"title": "Bornes", "unit": "Direction financière"}, headers=h)
    pid = project.json()["id"]
    routes = _id_routes(client)
    assert len(routes) >= 15
    for (method, template), huge in ((route, huge) for route in routes for huge in HUGE):
        # One out-of-range id at a time (the others valid), so each parameter's bound is checked.
        for name in re.findall(r"\{(\w+_id)\}", template):
            path = re.sub(r"\{(\w+_id)\}", lambda m, n=name, v=huge: str(v if m.group(1) == n else pid), template)
            body = {"version": 1} if method in ("PATCH", "PUT", "POST") else None
            response = client.request(method, path, params={"version": 1}, json=body, headers=h)
            assert response.status_code == 422, (method, path, response.status_code, response.text[:200])
            error = response.json()["error"]
            assert error["code"] == "validation_error" and name in str(error["details"]), (method, path, error)


def test_the_member_route_that_used_to_overflow_answers_422(client: TestClient, demo: Any) -> None:
    """DELETE …/members/<huge> was a 500 (OverflowError from the SQLite driver); it is now refused at validation."""
    h = demo.h("cedia")
    pid = client.post(f"{API}/projects", json={"title": "Bornes", "unit": "Direction financière"}, headers=h).json()
    response = client.delete(f"{API}/projects/{pid['id']}/members/99999999999999999999", headers=h)
    assert response.status_code == 422


@pytest.mark.parametrize("huge", [2**31, 10**20])
def test_huge_versions_in_bodies_and_queries_get_422(client: TestClient, demo: Any, huge: int) -> None:
    """Versions are INTEGER columns too: out of range in a body or a query string is a 422, and nothing changes."""
    h = demo.h("cedia")
    created = client.post(
        f"{API}/projects",
        json={
            "title": "Bornes",
            "unit": "Direction financière",
            "milestones": [{"title": "J", "due_on": "2026-01-01"}],
        },
        headers=h,
    ).json()
    pid, mid = created["id"], created["milestones"][0]["id"]
    calls = [
        ("PATCH", f"{API}/projects/{pid}", {"version": huge, "title": "x"}, None),
        ("POST", f"{API}/projects/{pid}/transitions", {"version": huge, "to_stage": "qualification"}, None),
        ("PUT", f"{API}/projects/{pid}/checklist", {"version": huge}, None),
        ("PATCH", f"{API}/projects/{pid}/milestones/{mid}", {"version": huge, "title": "x"}, None),
        ("DELETE", f"{API}/projects/{pid}/milestones/{mid}", None, {"version": huge}),
        ("DELETE", f"{API}/projects/{pid}", None, {"version": huge}),
        ("POST", f"{API}/projects/{pid}/restore", {"version": huge}, None),
    ]
    for method, path, body, params in calls:
        response = client.request(method, path, json=body, params=params, headers=h)
        assert response.status_code == 422, (method, path, response.text[:200])
    after = client.get(f"{API}/projects/{pid}", headers=h).json()
    assert (after["version"], after["title"], len(after["milestones"])) == (1, "Bornes", 1)
