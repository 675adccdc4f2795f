"""The JSON API and the web-session cookie: reading with the cookie alone, changing only with the page's CSRF token
(`X-CSRF-Token`), or with a bearer token. Under the hub the service shares an origin with learners' servers."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

CHECK = {"course": "ct", "assignment": "a1", "exercise": "ex01", "passed": True}


def sign_in(client: TestClient, username: str) -> str:
    """Log in through the demo form; returns the CSRF token the pages publish in `<meta name="csrf-token">`."""
    page = client.get("/connexion")
    form_token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert form_token is not None
    answer = client.post(
        "/connexion", data={"username": username, "csrf_token": form_token.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text
    meta = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', client.get("/moi").text)
    assert meta is not None
    return meta.group(1)


def _recorded(client: TestClient, world: Any) -> int:
    answer = client.get("/api/v1/selfchecks", headers=world.h("admin"))
    return int(answer.json()["total"])


def test_the_cookie_reads_but_does_not_write_without_the_csrf_header(client: TestClient, world: Any) -> None:
    token = sign_in(client, "apprenant1")
    assert client.get("/api/v1/me").json()["username"] == "apprenant1"  # GET with the cookie alone
    before = _recorded(client, world)
    refused = client.post("/api/v1/selfchecks", json=CHECK)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf_failed" and "X-CSRF-Token" in refused.json()["error"]["message"]
    wrong = client.post("/api/v1/selfchecks", json=CHECK, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    assert _recorded(client, world) == before  # nothing written
    accepted = client.post("/api/v1/selfchecks", json=CHECK, headers={"X-CSRF-Token": token})
    assert accepted.status_code == 201, accepted.text
    assert _recorded(client, world) == before + 1


def test_every_unsafe_method_needs_it_with_the_cookie(client: TestClient, world: Any) -> None:
    token = sign_in(client, "admin")
    for method, path, body in (
        ("PATCH", "/api/v1/users/apprenant2", {"job_family": "Actuaire"}),
        ("PUT", "/api/v1/courses/ct", {"title": "Cours test", "order": 0}),
        ("DELETE", "/api/v1/users/nobody", None),
    ):
        assert client.request(method, path, json=body).status_code == 403, (method, path)
        with_header = client.request(method, path, json=body, headers={"X-CSRF-Token": token})
        assert with_header.status_code not in (401, 403), (method, path, with_header.text)


def test_a_bearer_token_needs_no_csrf_token_even_next_to_a_cookie(client: TestClient, world: Any) -> None:
    sign_in(client, "apprenant2")
    answer = client.post("/api/v1/selfchecks", json=CHECK, headers=world.h("learner"))
    assert answer.status_code == 201 and answer.json()["learner"] == "apprenant1"  # the bearer wins
