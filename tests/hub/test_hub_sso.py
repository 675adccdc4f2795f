"""The production SSO login on the local path: the hub really initialises with it, configured as hub/sso.py says.

(The Kubernetes path's SSO is checked with the chart's hub in tests/hub/test_hub_k8s_chart.py.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from inprocess_hub import initialised_hub
from traitlets.config import Config

from hub.config import HubSettings
from hub.roster_sync import add_roster_groups
from hub.secret_store import write_secret
from hub.sso import generic_oauth
from hub.up import CONFIG_FILE

SSO = {
    "ACADEMY_ENV": "production",
    "ACADEMY_AUTH": "oidc",
    "ACADEMY_OIDC_CLIENT_ID": "academie",
    "ACADEMY_OIDC_CLIENT_SECRET": "s" * 40,
    "ACADEMY_OIDC_AUTHORIZE_URL": "https://sso.example.fr/realms/groupe/protocol/openid-connect/auth",
    "ACADEMY_OIDC_TOKEN_URL": "https://sso.example.fr/realms/groupe/protocol/openid-connect/token",
    "ACADEMY_OIDC_USERDATA_URL": "https://sso.example.fr/realms/groupe/protocol/openid-connect/userinfo",
    "ACADEMY_OIDC_CALLBACK_URL": "https://academie.example.fr/hub/oauth_callback",
}


def test_local_production_hub_initialises_with_the_sso(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Does a local production hub start with the SSO (no load_groups clash), its secret and roster check in place?"""
    for key in list(os.environ):
        if key.startswith("ACADEMY_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ACADEMY_HOME", str(tmp_path))
    for key, value in SSO.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    settings = HubSettings()
    write_secret("roster_token", "r" * 40, settings=settings)
    with initialised_hub(Config(), workdir=tmp_path, argv=["-f", str(CONFIG_FILE)]) as hub:
        authenticator = hub.app.authenticator
        assert type(authenticator).__name__ == "GenericOAuthenticator"
        assert authenticator.post_auth_hook is add_roster_groups
        # The same traits as the Kubernetes hub's, which hub/sso.py builds.
        expected = generic_oauth(
            settings, client_secret=SSO["ACADEMY_OIDC_CLIENT_SECRET"], post_auth_hook=add_roster_groups
        )
        assert {trait: getattr(authenticator, trait) for trait in expected} == expected
        assert "roster-sync" in hub.app._service_map
