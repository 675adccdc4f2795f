"""The local JupyterHub configuration builds what the platform needs, and production refuses demo settings."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from oauthenticator.generic import GenericOAuthenticator
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from hub.config import HubSettings
from hub.isolation import can_use_mount_view
from hub.secret_store import SecretError, write_secret
from hub.up import CONFIG_FILE

BIN = Path(sys.executable).parent
OIDC = {
    "ACADEMY_AUTH": "oidc",
    "ACADEMY_OIDC_CLIENT_ID": "academie",
    "ACADEMY_OIDC_CLIENT_SECRET": "x" * 48,
    "ACADEMY_OIDC_AUTHORIZE_URL": "https://sso.example.fr/realms/groupe/protocol/openid-connect/auth",
    "ACADEMY_OIDC_TOKEN_URL": "https://sso.example.fr/realms/groupe/protocol/openid-connect/token",
    "ACADEMY_OIDC_USERDATA_URL": "https://sso.example.fr/realms/groupe/protocol/openid-connect/userinfo",
    "ACADEMY_OIDC_CALLBACK_URL": "https://academie.example.fr/hub/oauth_callback",
}


def load(monkeypatch: pytest.MonkeyPatch, home: Path, **env: str) -> Any:
    """Load hub/jupyterhub_config.py exactly as JupyterHub does, with the given ACADEMY_* environment."""
    for key in list(__import__("os").environ):
        if key.startswith("ACADEMY_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("ACADEMY_HOME", str(home))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader(CONFIG_FILE.name, path=str(CONFIG_FILE.parent)).load_config()


def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


def test_local_config_runs_the_platform_services(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With the service tokens present, are progress (OAuth, prefix), grader watch, roster sync and culler managed?"""
    settings = HubSettings(home=tmp_path)
    write_secret("grader_token", "g" * 40, settings=settings)
    write_secret("roster_token", "r" * 40, settings=settings)
    c = load(monkeypatch, tmp_path, ACADEMY_PROGRESS_PORT="18123")
    services = by_name(c.JupyterHub.services)
    assert set(services) == {"progress", "grader", "roster-sync", "idle-culler", "fork-server", "prestart"}
    progress = services["progress"]
    assert progress["url"] == "http://127.0.0.1:18123"
    assert progress["oauth_no_confirm"] is True
    assert progress["environment"]["ACADEMY_API_PREFIX"] == "/services/progress"
    assert progress["command"][0] == str(BIN / "academy")
    assert services["grader"]["command"][1:] == ["grade", "watch"]
    assert services["grader"]["environment"]["ACADEMY_GRADER_TOKEN"] == "g" * 40
    assert services["grader"]["environment"]["ACADEMY_PROGRESS_URL"] == "http://127.0.0.1:18123/services/progress"
    assert services["roster-sync"]["environment"]["ACADEMY_ROSTER_TOKEN"] == "r" * 40
    assert "--timeout=3600" in services["idle-culler"]["command"]


def test_roles_bind_learners_to_their_server_and_the_progress_service(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Do learners get `access:services!service=progress` through their group, and no access to other servers?"""
    c = load(monkeypatch, tmp_path)
    roles = by_name(c.JupyterHub.load_roles)
    assert roles["learner"]["groups"] == ["learners"]
    assert set(roles["learner"]["scopes"]) == {"self", "access:services!service=progress"}
    assert all("access:servers" not in scope for scope in roles["learner"]["scopes"])
    assert roles["trainer"]["groups"] == ["trainers"]
    # No roster token in this home: the roster-sync role is left out with its service (the hub insists).
    assert "roster-sync" not in roles and "grader" not in by_name(c.JupyterHub.services)
    assert "access:services!service=progress" in c.Spawner.server_token_scopes


def test_spawner_runs_jupyterlab_from_the_venv_in_platform_homes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Is the user server the venv's jupyterhub-singleuser in JupyterLab, homes under $ACADEMY_HOME/hub/users?"""
    c = load(monkeypatch, tmp_path)
    assert c.JupyterHub.spawner_class == "hub.spawner.AcademySpawner"
    assert c.AcademySpawner.home_dir_template == str(tmp_path.resolve() / "hub" / "users" / "{username}")
    assert c.Spawner.cmd[-1] == str(BIN / "jupyterhub-singleuser")
    assert Path(c.Spawner.cmd[-1]).exists()
    assert c.Spawner.default_url == "/lab"
    env = c.AcademySpawner.academy_environment
    assert env["ACADEMY_DATASETS"] == str(tmp_path.resolve() / "datasets" / "demo")
    # Nothing private reaches a learner's server: no grading directory, database URL or platform home.
    assert not {"ACADEMY_GRADING", "ACADEMY_DATABASE_URL", "ACADEMY_HOME"} & set(env)
    assert "--allow-root" not in c.Spawner.get("args", [])  # as root, servers switch to their own uid instead
    # Servers are forked from the warm fork server, a managed service listening in the hub's private directory.
    fork = by_name(c.JupyterHub.services)["fork-server"]
    assert fork["command"][1:3] == ["-m", "hub.forkserver"]
    assert c.AcademySpawner.fork_server_socket == str(tmp_path.resolve() / "hub" / "forkserver.sock")


def test_platform_state_is_private_on_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Does loading the hub config leave hub/, grading/, logs/ at 0700 and progress.db (and its WAL) at 0600?"""
    for name in ("progress.db", "progress.db-wal"):
        (tmp_path / name).write_text("x")
        (tmp_path / name).chmod(0o644)
    load(monkeypatch, tmp_path, ACADEMY_DATABASE_URL=f"sqlite:///{tmp_path / 'progress.db'}")
    as_root = os.geteuid() == 0
    # Without a mount view, servers under their own uid reach their homes through hub/ by path only (0711).
    hub_mode = 0o711 if as_root and not can_use_mount_view(as_root=True) else 0o700
    assert stat.S_IMODE((tmp_path / "hub").stat().st_mode) == hub_mode
    for directory in ("grading", "logs"):
        assert stat.S_IMODE((tmp_path / directory).stat().st_mode) == 0o700, directory
    for name in ("progress.db", "progress.db-wal"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_secrets_persist_across_restarts_in_private_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Do two loads (two hub starts) get the same cookie secret and proxy token, from 0600 files?"""
    first = load(monkeypatch, tmp_path)
    second = load(monkeypatch, tmp_path)
    assert first.JupyterHub.cookie_secret == second.JupyterHub.cookie_secret
    assert len(first.JupyterHub.cookie_secret) == 32
    assert first.ConfigurableHTTPProxy.auth_token == second.ConfigurableHTTPProxy.auth_token
    for name in ("cookie_secret", "proxy_token", "roster_sync_hub_token"):
        assert stat.S_IMODE((tmp_path / "hub" / name).stat().st_mode) == 0o600


def test_demo_login_page_is_labelled_demo(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Is the local authenticator the shared demo password, announced as DÉMO on the login page?"""
    c = load(monkeypatch, tmp_path)
    assert c.JupyterHub.authenticator_class == "hub.roster_login.RosterSharedPasswordAuthenticator"
    assert "DÉMO" in c.JupyterHub.template_vars["announcement_login"]


def test_production_refuses_demo_accounts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Does ACADEMY_ENV=production with the demo authenticator stop the hub with a message saying what to set?"""
    with pytest.raises(SecretError, match="ACADEMY_AUTH=oidc"):
        load(monkeypatch, tmp_path, ACADEMY_ENV="production")


def test_production_refuses_a_demo_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Does production refuse a published demo value as the SSO client secret?"""
    env = {**OIDC, "ACADEMY_ENV": "production", "ACADEMY_OIDC_CLIENT_SECRET": "academie-demo"}
    with pytest.raises(SecretError, match="public demo value"):
        load(monkeypatch, tmp_path, **env)


def test_production_refuses_a_world_readable_secret_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Does the hub refuse a cookie secret file other users can read, telling how to fix it?"""
    settings = HubSettings(home=tmp_path)
    path = write_secret("cookie_secret", "ab" * 32, settings=settings)
    path.chmod(0o644)
    with pytest.raises(SecretError, match="chmod 600"):
        load(monkeypatch, tmp_path, **OIDC, ACADEMY_ENV="production")


def test_production_sso_is_generic_oidc_with_group_claims(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Does the production path configure GenericOAuthenticator so that OAuthenticator itself accepts it?"""
    c = load(monkeypatch, tmp_path, **OIDC, ACADEMY_ENV="production")
    assert c.JupyterHub.authenticator_class == "generic-oauth"
    authenticator = GenericOAuthenticator(config=Config(c))  # validates the traits (manage_groups rules, URLs)
    assert authenticator.manage_groups is True
    assert authenticator.allowed_groups == {"academie"}
    assert authenticator.admin_groups == {"academie-admins"}
    assert authenticator.auth_state_groups_key == "oauth_user.groups"
    assert authenticator.client_secret == "x" * 48
    assert authenticator.post_auth_hook.__name__ == "add_roster_groups"
    assert "announcement_login" not in c.JupyterHub.get("template_vars", {})
    # Production still persists its cookie secret in a private file.
    assert stat.S_IMODE((tmp_path / "hub" / "cookie_secret").stat().st_mode) == 0o600


def test_production_refuses_a_demo_password_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Does production refuse to start when a demo password is configured, even with the SSO set up?"""
    with pytest.raises(SecretError, match="ACADEMY_DEMO_PASSWORD"):
        load(monkeypatch, tmp_path, **OIDC, ACADEMY_ENV="production", ACADEMY_DEMO_PASSWORD="autre-mot-de-passe")


def test_two_parts_on_one_port_are_refused_with_the_variables_to_change(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Does the hub refuse to start when two of its parts share a port (the proxy would forward to itself)?"""
    with pytest.raises(ValueError, match="ACADEMY_HUB_PORT and ACADEMY_HUB_API_PORT are both 8123"):
        load(monkeypatch, tmp_path, ACADEMY_HUB_PORT="8123", ACADEMY_HUB_API_PORT="8123")
    with pytest.raises(ValueError, match="ACADEMY_PROXY_API_PORT and ACADEMY_PROGRESS_PORT are both 8124"):
        load(monkeypatch, tmp_path, ACADEMY_PROXY_API_PORT="8124", ACADEMY_PROGRESS_PORT="8124")
