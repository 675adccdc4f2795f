# JupyterHub configuration of the local platform (`academy up`; `jupyterhub -f hub/jupyterhub_config.py`).
#
# Everything variable comes from ACADEMY_* environment variables (hub/config.py); secrets from the environment or
# 0600 files under $ACADEMY_HOME/hub (hub/secret_store.py); roles and managed services from hub/services.py.
# The Kubernetes configuration is hub/k8s/jupyterhub_config.py.

import sys

from hub import services as svc
from hub.config import HubSettings, running_as_root
from hub.hubdb import use_wal_for_sqlite
from hub.isolation import can_use_mount_view, protect_platform
from hub.prestart import PRESTART_SCOPES, PRESTART_TOKEN
from hub.secret_store import check_production, optional_secret, read_secret

settings = HubSettings()
check_production(settings)  # production refuses demo accounts before anything else is configured
as_root = running_as_root()
mount_view = can_use_mount_view(as_root=as_root)
# Learners' processes never see the platform's state (mount view); file modes are the second line. Without a view,
# servers switching uid must still reach their homes under hub/users: 0711 there (traverse, never list).
protect_platform(settings, reachable_homes=as_root and not mount_view)

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (injected by JupyterHub's config loader)

# --- Network: the proxy is the only public endpoint; the hub and the proxy's API stay on loopback.
c.JupyterHub.bind_url = f"http://{settings.hub_ip}:{settings.hub_port}{settings.base_url}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.hub_api_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
# The Python configurable-http-proxy from the venv (no Node), started and stopped by the hub; hub/proxy.py lifts its
# limit of 10 requests forwarded at once (a cohort's open spawn-progress streams exhausted it: HTTP 503).
c.ConfigurableHTTPProxy.command = [sys.executable, "-m", "hub.proxy"]
# The proxy runs in its own session; its pid file lets the next start stop a proxy left by a crashed hub.
c.ConfigurableHTTPProxy.pid_file = str(settings.hub_dir / "proxy.pid")

# --- State and secrets: persisted under $ACADEMY_HOME/hub, so sessions and tokens survive restarts.
c.JupyterHub.db_url = f"sqlite:///{settings.hub_dir / 'jupyterhub.sqlite'}"
use_wal_for_sqlite()  # no fsync per commit: logins and spawns of a whole cohort no longer queue on the disk
c.JupyterHub.pid_file = str(settings.hub_dir / "jupyterhub.pid")
c.JupyterHub.cookie_secret = bytes.fromhex(read_secret("cookie_secret", settings=settings))
c.ConfigurableHTTPProxy.auth_token = read_secret("proxy_token", settings=settings)

# --- Authentication.
if settings.auth == "oidc":
    # Production path: the company SSO (OIDC). Group claims decide who may log in and who administers the hub;
    # academy roles come from the roster and are merged at login (no wait for the next sync).
    from hub.roster_sync import add_roster_groups

    c.JupyterHub.authenticator_class = "generic-oauth"
    c.GenericOAuthenticator.client_id = settings.oidc_client_id
    c.GenericOAuthenticator.client_secret = read_secret("oidc_client_secret", settings=settings, generate=False)
    c.GenericOAuthenticator.authorize_url = settings.oidc_authorize_url
    c.GenericOAuthenticator.token_url = settings.oidc_token_url
    c.GenericOAuthenticator.userdata_url = settings.oidc_userdata_url
    c.GenericOAuthenticator.oauth_callback_url = settings.oidc_callback_url
    c.GenericOAuthenticator.scope = ["openid", "profile", "email", "groups"]
    c.GenericOAuthenticator.username_claim = settings.oidc_username_claim
    c.GenericOAuthenticator.manage_groups = True
    c.GenericOAuthenticator.auth_state_groups_key = f"oauth_user.{settings.oidc_groups_claim}"
    c.GenericOAuthenticator.allowed_groups = set(settings.oidc_allowed_groups)
    c.GenericOAuthenticator.admin_groups = set(settings.oidc_admin_groups)
    c.GenericOAuthenticator.post_auth_hook = add_roster_groups
    c.GenericOAuthenticator.login_service = "SSO de l'entreprise"
else:
    # DEMO ONLY, never production (check_production refuses it): one shared, published password. Who may log in is
    # the roster (users created by the roster sync), hence allow_existing_users.
    # Refuses, with a page saying why, a right password for a name the roster does not list (hub/roster_login.py).
    c.JupyterHub.authenticator_class = "hub.roster_login.RosterSharedPasswordAuthenticator"
    c.SharedPasswordAuthenticator.user_password = settings.demo_password
    c.Authenticator.allow_existing_users = True
    c.JupyterHub.template_vars = {
        "announcement_login": (
            "<strong>DÉMO</strong> — comptes de démonstration, mot de passe partagé "
            f"<code>{settings.demo_password}</code>. Données 100&nbsp;% synthétiques."
        )
    }

# --- Roles (bound to roster groups) and managed services.
# `academy up` creates both progress-service tokens; without one (a bare `jupyterhub -f`), that service is left out.
grader_token = optional_secret("grader_token", settings=settings)
roster_token = optional_secret("roster_token", settings=settings)
services = svc.services(
    settings,
    grader_token=grader_token,
    roster_token=roster_token,
    roster_hub_token=read_secret("roster_sync_hub_token", settings=settings),
    progress_secret_key=read_secret("progress_secret_key", settings=settings),
)
# `academy hub prestart` (hub/prestart.py) acts as this API-only service: find a cohort, start its servers.
services["prestart"] = {"api_token": read_secret(PRESTART_TOKEN, settings=settings)}
roles = svc.roles(set(services))
roles["prestart"] = {
    "description": "Starts a cohort's servers before a session",
    "scopes": PRESTART_SCOPES,
    "services": ["prestart"],
}
c.JupyterHub.services = svc.as_list(services)
c.JupyterHub.load_roles = svc.as_list(roles)
# No load_groups: the hub refuses it with the SSO's manage_groups, and the roles above create their groups.

# --- User servers: JupyterLab 4 with nbgrader's lab extension, homes under $ACADEMY_HOME/hub/users/<name>.
c.JupyterHub.spawner_class = "hub.spawner.AcademySpawner"
c.AcademySpawner.home_dir_template = str(settings.users_dir / "{username}")
c.AcademySpawner.exchange = str(settings.exchange_dir)
# Only what notebooks, self-check and nbgrader need: no grading directory, database URL or service token.
c.AcademySpawner.academy_environment = {
    **settings.learner_env(),
    "ACADEMY_PROGRESS_URL": settings.progress_internal_url,
}
c.Spawner.default_url = "/lab"
c.Spawner.server_token_scopes = svc.SERVER_TOKEN_SCOPES
c.Spawner.cmd = [str(settings.bin_dir / "jupyterhub-singleuser")]
# As root, each server runs under its own uid (hub/isolation.py), so `--allow-root` is never needed.
if not mount_view:
    print(
        "academy hub: no private mount view possible on this machine (unshare refused): learners' servers see "
        "the machine's files with their uid's rights and the datasets are NOT mounted read-only"
    )
# A warm fork server (managed service) starts user servers without paying the imports again.
fork_socket = settings.hub_dir / "forkserver.sock"
if settings.fork_server and len(str(fork_socket)) < 100:  # a Unix socket path is limited to 107 bytes
    services["fork-server"] = {"command": [sys.executable, "-m", "hub.forkserver", "--socket", str(fork_socket)]}
    c.JupyterHub.services = svc.as_list(services)
    c.AcademySpawner.fork_server_socket = str(fork_socket)
elif settings.fork_server:
    print(f"academy hub: {fork_socket} is too long for a Unix socket: user servers start as plain subprocesses")
# At 9:00 a whole cohort logs in: servers boot a few at a time (the others wait in `start`), hence the long timeouts.
c.AcademySpawner.boot_concurrency = settings.boot_concurrency
c.Spawner.start_timeout = settings.spawn_timeout
c.Spawner.http_timeout = 120
# Many learners start at 9:00: let them all spawn at once rather than queueing behind a low default.
c.JupyterHub.concurrent_spawn_limit = 100
c.JupyterHub.cleanup_servers = True  # Ctrl-C on `academy up` stops the user servers too
