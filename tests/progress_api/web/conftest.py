"""Fixtures of the page tests: a signed-in browser-like client per role (dev login through the real form)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient


def csrf_of(html: str) -> str:
    """The CSRF token a rendered page put in its forms."""
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@pytest.fixture
def login(client: TestClient, demo: object) -> Callable[[str], TestClient]:
    """Sign `client` in as a seeded demo account through the login form (its cookies then carry the session)."""

    def sign_in(username: str) -> TestClient:
        page = client.get("/connexion")
        response = client.post(
            "/connexion", data={"username": username, "csrf_token": csrf_of(page.text)}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        return client

    return sign_in
