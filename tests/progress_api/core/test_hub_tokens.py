"""Hub tokens checked against a REAL JupyterHub started by the test: the token must carry access to this service,
answers about the token are cached briefly, and a hub that cannot answer gives 503, never a cached "invalid".

The hub is configured here (not hub/jupyterhub_config.py) so each case has the user it needs: `alice` holds
`access:services!service=progress` through a role, `bob` does not, `root` is a hub admin. Its own proxy (the
Python configurable-http-proxy) also serves to produce a real 5xx: a route to a closed port answers 503, as a
proxy in front of a restarting hub does; re-pointing that route at the hub is the hub coming back.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from hub.process import Supervised, free_port, free_ports, wait_http
from progress_api.core.config import Settings
from progress_api.core.hubauth import HubTokenCache, HubUnavailable
from progress_api.main import create_app
from tests.progress_api.web.test_pages_auth import hub_login_settings

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
ADMIN_TOKEN = "test-admin-service-token"  # a test-only service that creates users' tokens
PROXY_TOKEN = "test-proxy-token"

CONFIG = """
c = get_config()  # noqa: F821 -- test-only hub for progress_api's token checks
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {public}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api}"
c.ConfigurableHTTPProxy.command = [{proxy_cmd!r}]
c.ConfigurableHTTPProxy.auth_token = {proxy_token!r}
c.JupyterHub.db_url = "sqlite:///{home}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{home}/cookie_secret"
c.JupyterHub.authenticator_class = "dummy"  # test-only: nobody logs in, tokens are made through the API
c.Authenticator.allowed_users = {{"alice", "bob"}}
c.Authenticator.admin_users = {{"root"}}
c.JupyterHub.services = [
    {{"name": "progress", "api_token": "progress-service-token"}},
    {{"name": "test-admin", "api_token": {admin_token!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "test-admin", "scopes": ["admin:users", "tokens"], "services": ["test-admin"]}},
    {{"name": "learners", "scopes": ["access:services!service=progress"], "users": ["alice"]}},
]
"""


@dataclass
class LocalHub:
    api_url: str  # the hub's own API, as JUPYTERHUB_API_URL
    public: str  # the proxy
    proxy_api: str

    def token(self, user: str, **body: object) -> tuple[str, str]:
        """(token, token id) of a new token of `user`, made by the test-only admin service."""
        answer = httpx.post(
            f"{self.api_url}/users/{user}/tokens", json=body, headers={"Authorization": f"token {ADMIN_TOKEN}"}
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["token"], answer.json()["id"]

    def revoke(self, user: str, token_id: str) -> None:
        answer = httpx.delete(
            f"{self.api_url}/users/{user}/tokens/{token_id}", headers={"Authorization": f"token {ADMIN_TOKEN}"}
        )
        assert answer.status_code == 204, answer.text

    def break_user_route(self) -> None:
        """Route the proxy's `/hub/api/user` to a closed port: through the proxy, the hub's whoami answers 503."""
        answer = httpx.post(
            f"{self.proxy_api}/api/routes/hub/api/user",
            json={"target": f"http://127.0.0.1:{free_port()}"},
            headers={"Authorization": f"token {PROXY_TOKEN}"},
        )
        assert answer.status_code == 201, answer.text

    def repair_user_route(self) -> None:
        """Remove that route: the proxy's own route to the hub (`/hub/`) serves `/hub/api/user` again."""
        answer = httpx.delete(
            f"{self.proxy_api}/api/routes/hub/api/user", headers={"Authorization": f"token {PROXY_TOKEN}"}
        )
        assert answer.status_code == 204, answer.text


@pytest.fixture(scope="module")
def real_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHub]:
    home = tmp_path_factory.mktemp("jupyterhub")
    ports = dict(zip(("public", "hub", "proxy_api"), free_ports(3), strict=True))
    config = home / "jupyterhub_config.py"
    config.write_text(
        CONFIG.format(
            home=home,
            proxy_cmd=str(BIN / "configurable-http-proxy"),
            proxy_token=PROXY_TOKEN,
            admin_token=ADMIN_TOKEN,
            **ports,
        )
    )
    proc = Supervised(
        [str(BIN / "jupyterhub"), "-f", str(config)], env={"PATH": str(BIN)}, log=home / "hub.log", cwd=home
    )
    try:
        wait_http(f"http://127.0.0.1:{ports['hub']}/hub/api/", timeout=90, proc=proc)
        yield LocalHub(
            api_url=f"http://127.0.0.1:{ports['hub']}/hub/api",
            public=f"http://127.0.0.1:{ports['public']}",
            proxy_api=f"http://127.0.0.1:{ports['proxy_api']}",
        )
    except (RuntimeError, TimeoutError) as exc:
        raise AssertionError(f"hub did not start ({exc}):\n{(home / 'hub.log').read_text()[-3000:]}") from None
    finally:
        proc.stop()


def under_hub(settings: Settings, api_url: str) -> Settings:
    return settings.model_copy(update={"hub_api_url": api_url, "hub_service_name": "progress", "hub_cache_seconds": 60})


def me(client: TestClient, token: str) -> httpx.Response:
    return client.get("/api/v1/me", headers={"Authorization": f"token {token}"})


def test_a_token_with_access_to_the_service_identifies_its_user(real_hub: LocalHub, settings: Settings) -> None:
    alice, _ = real_hub.token("alice")
    root, _ = real_hub.token("root")
    with TestClient(create_app(under_hub(settings, real_hub.api_url))) as client:
        answer = me(client, alice)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"username": "alice", "display_name": "", "roles": ["learner"], "via": "hub"}
        assert "admin" in me(client, root).json()["roles"]  # a hub admin administers the academy too


def test_tokens_without_access_to_this_service_are_refused_with_the_missing_scope(
    real_hub: LocalHub, settings: Settings
) -> None:
    """bob's token (his role lacks the access scope) and a narrow token of alice are valid hub tokens, not ours."""
    bob, _ = real_hub.token("bob")
    narrow, _ = real_hub.token("alice", scopes=["read:users:name!user=alice"])
    with TestClient(create_app(under_hub(settings, real_hub.api_url))) as client:
        for token in (bob, narrow):
            answer = me(client, token)
            assert answer.status_code == 403, answer.text
            assert "access:services!service=progress" in answer.json()["error"]["message"]
        assert me(client, "not-a-hub-token").status_code == 401


def test_answers_about_a_token_are_cached_for_the_ttl(real_hub: LocalHub) -> None:
    """A revoked token still works until its cache entry expires (the documented trade-off); a cache without
    that entry asks the hub and learns that the token is gone."""
    token, token_id = real_hub.token("alice")
    cache = HubTokenCache(api_url=real_hub.api_url, ttl=60)
    user = cache.lookup(token)
    assert user is not None and (user.name, user.may_access) == ("alice", True)
    real_hub.revoke("alice", token_id)
    assert cache.lookup(token) == user
    assert HubTokenCache(api_url=real_hub.api_url, ttl=60).lookup(token) is None


def test_an_unreachable_hub_is_503_and_nothing_is_cached(real_hub: LocalHub, settings: Settings) -> None:
    token, _ = real_hub.token("alice")
    cache = HubTokenCache(api_url=f"http://127.0.0.1:{free_port()}/hub/api", ttl=60, timeout=2)
    with pytest.raises(HubUnavailable):
        cache.lookup(token)
    cache.api_url = real_hub.api_url  # the same cache, the hub reachable again: it asks, it did not remember
    user = cache.lookup(token)
    assert user is not None and user.name == "alice"
    closed = under_hub(settings, f"http://127.0.0.1:{free_port()}/hub/api")
    with TestClient(create_app(closed)) as client:
        answer = me(client, token)
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "hub_unavailable"
        assert "Le hub JupyterHub ne répond pas" in answer.json()["error"]["message"]


def test_a_hub_blip_behind_the_proxy_is_503_and_over_as_soon_as_the_hub_answers(
    real_hub: LocalHub, settings: Settings
) -> None:
    """The reviewer's case: a 5xx used to be cached as "invalid token" (401 for everyone for a minute)."""
    token, _ = real_hub.token("alice")
    real_hub.break_user_route()
    with TestClient(create_app(under_hub(settings, f"{real_hub.public}/hub/api"))) as client:
        down = me(client, token)
        assert down.status_code == 503, down.text
        real_hub.repair_user_route()  # the hub is back
        up = me(client, token)
        assert up.status_code == 200, up.text
        assert up.json()["username"] == "alice"


def test_a_bad_oauth_code_gives_a_french_page_with_a_way_back_to_login(real_hub: LocalHub, settings: Settings) -> None:
    """The hub refuses a made-up code: the callback answers a French 400 page linking to the login, not a 500."""
    hub_settings = hub_login_settings(settings, real_hub.api_url, token="progress-service-token")
    with TestClient(create_app(hub_settings)) as client:
        start = client.get("/connexion", follow_redirects=False)
        assert start.status_code == 303
        state = client.cookies["academie_oauth_state"]
        answer = client.get("/oauth_callback", params={"code": "made-up-code", "state": state})
        assert answer.status_code == 400
        assert "Connexion interrompue" in answer.text and "code de connexion" in answer.text
        assert 'href="/connexion"' in answer.text
