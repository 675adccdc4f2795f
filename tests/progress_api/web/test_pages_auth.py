"""Signing in: API-token login, the labelled demo login (never in production), hub OAuth redirect, logout."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient

from progress_api.core.config import Settings
from progress_api.main import create_app
from tests.progress_api.web.conftest import csrf_of


def hub_login_settings(settings: Settings, api_url: str, *, prefix: str = "", token: str = "service-token") -> Settings:
    """`settings` as the hub hands them to the `progress` service (OAuth client, callback under `prefix`)."""
    return settings.model_copy(
        update={
            "api_prefix": prefix,
            "hub_api_url": api_url,
            "hub_api_token": token,
            "hub_service_name": "progress",
            "hub_client_id": "service-progress",
            "hub_oauth_callback_url": f"{prefix}/oauth_callback",
            "hub_base_url": "/",
        }
    )


def test_token_login_opens_a_session_the_api_accepts(client: TestClient, demo: Any) -> None:
    page = client.get("/connexion")
    assert "Connexion de démonstration (développement uniquement)" in page.text
    response = client.post(
        "/connexion",
        data={"token": demo.tokens["cedia"], "next": "/cedia/portefeuille", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/cedia/portefeuille"
    assert client.get("/api/v1/cedia/kpis").status_code == 200  # same cookie, no bearer header


def test_bad_token_and_unknown_demo_user_are_refused(client: TestClient, demo: Any) -> None:
    token = csrf_of(client.get("/connexion").text)
    bad = client.post("/connexion", data={"token": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "pas valide" in bad.text
    unknown = client.post("/connexion", data={"username": "mallory", "csrf_token": token})
    assert unknown.status_code == 401 and "Aucun compte" in unknown.text


def test_login_redirect_target_stays_on_this_site(client: TestClient, demo: Any) -> None:
    token = csrf_of(client.get("/connexion").text)
    response = client.post(
        "/connexion",
        data={"username": "cedia", "next": "https://evil.example/", "csrf_token": token},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_production_has_no_demo_login(settings: Settings, demo: Any) -> None:
    production = settings.model_copy(update={"production": True, "secret_key": "p" * 64})
    with TestClient(create_app(production)) as client:
        page = client.get("/connexion")
        assert "Connexion de démonstration" not in page.text
        refused = client.post("/connexion", data={"username": "cedia", "csrf_token": csrf_of(page.text)})
        assert refused.status_code == 401
        assert client.get("/cedia", follow_redirects=False).status_code == 303


def test_logout_ends_the_session(client: TestClient, demo: Any, login: Any) -> None:
    login("cedia")
    page = client.get("/cedia")
    out = client.post("/deconnexion", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/v1/cedia/kpis").status_code == 401


def test_under_the_hub_login_goes_to_the_hub_oauth_page(settings: Settings) -> None:
    """With JUPYTERHUB_* set, /connexion redirects to the hub's authorize URL with our client id and a state cookie;
    a callback whose state does not match the cookie is refused."""
    hub = hub_login_settings(settings, "http://127.0.0.1:9/hub/api", prefix="/services/progress")
    with TestClient(create_app(hub)) as client:
        response = client.get("/services/progress/connexion?next=/services/progress/cedia", follow_redirects=False)
        assert response.status_code == 303
        target = urlparse(response.headers["location"])
        assert target.path == "/hub/api/oauth2/authorize"
        query = parse_qs(target.query)
        assert query["client_id"] == ["service-progress"]
        assert query["redirect_uri"] == ["/services/progress/oauth_callback"]
        state = query["state"][0]
        assert client.cookies.get("academie_oauth_state") == state
        refused = client.get("/services/progress/oauth_callback", params={"code": "x", "state": "other"})
        assert refused.status_code == 400 and "Connexion interrompue" in refused.text


def test_oauth_callback_while_the_hub_is_unreachable_says_so_and_links_to_login(settings: Settings) -> None:
    """The code cannot be exchanged (nothing listens on the hub's port): a French 503 page, not a 500."""
    hub = hub_login_settings(settings, "http://127.0.0.1:9/hub/api")
    with TestClient(create_app(hub)) as client:
        client.get("/connexion", follow_redirects=False)
        state = client.cookies["academie_oauth_state"]
        answer = client.get("/oauth_callback", params={"code": "some-code", "state": state})
        assert answer.status_code == 503
        assert "Le hub JupyterHub ne répond pas" in answer.text and 'href="/connexion"' in answer.text
