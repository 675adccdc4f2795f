# JupyterHub configuration of the local platform (`academy up`; `jupyterhub -f hub/jupyterhub_config.py`).
#
# Everything variable comes from ACADEMY_* environment variables (hub/config.py); secrets from the environment or
# 0600 files under $ACADEMY_HOME/hub (hub/secret_store.py); roles and managed services from hub/services.py.
# The Kubernetes configuration is hub/k8s/jupyterhub_config.py.

from hub import services as svc
from hub.config import HubSettings, running_as_root
from hub.secret_store import check_production, optional_secret, read_secret
from hub.spawner import can_unshare_mounts, readonly_datasets_prefix

settings = HubSettings()
check_production(settings)  # production refuses demo accounts before anything else is configured
settings.hub_dir.mkdir(parents=True, exist_ok=True)

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (injected by JupyterHub's config loader)

# --- Network: the proxy is the only public endpoint; the hub and the proxy's API stay on loopback.
c.JupyterHub.bind_url = f"http://{settings.hub_ip}:{settings.hub_port}{settings.base_url}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.hub_api_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
# The Python configurable-http-proxy from the venv (no Node), started and stopped by the hub.
c.ConfigurableHTTPProxy.command = [str(settings.bin_dir / "configurable-http-proxy")]
# The proxy runs in its own session; its pid file lets the next start stop a proxy left by a crashed hub.
c.ConfigurableHTTPProxy.pid_file = str(settings.hub_dir / "proxy.pid")

# --- State and secrets: persisted under $ACADEMY_HOME/hub, so sessions and tokens survive restarts.
c.JupyterHub.db_url = f"sqlite:///{settings.hub_dir / 'jupyterhub.sqlite'}"
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
c.JupyterHub.services = svc.as_list(services)
c.JupyterHub.load_roles = svc.as_list(svc.roles(set(services)))
# No load_groups: the hub refuses it with the SSO's manage_groups, and the roles above create their groups.

# --- User servers: JupyterLab 4 with nbgrader's lab extension, homes under $ACADEMY_HOME/hub/users/<name>.
c.JupyterHub.spawner_class = "hub.spawner.AcademySpawner"
c.AcademySpawner.home_dir_template = str(settings.users_dir / "{username}")
c.AcademySpawner.exchange = str(settings.exchange_dir)
c.AcademySpawner.academy_environment = {
    **settings.academy_env(),
    "ACADEMY_PROGRESS_URL": settings.progress_internal_url,
}
c.Spawner.default_url = "/lab"
c.Spawner.server_token_scopes = svc.SERVER_TOKEN_SCOPES
c.Spawner.cmd = [str(settings.bin_dir / "jupyterhub-singleuser")]
if running_as_root():
    # User servers refuse to run as root without this (stack notes); only added when the hub itself is root.
    c.Spawner.args = ["--allow-root"]
    if settings.readonly_datasets and can_unshare_mounts():
        c.Spawner.cmd = readonly_datasets_prefix(settings.datasets_dir) + c.Spawner.cmd
    elif settings.readonly_datasets:
        print("academy hub: unshare unavailable, the datasets are NOT mounted read-only in user servers")
# At 9:00 a whole cohort logs in: servers boot a few at a time (the others wait in `start`), hence the long timeouts.
c.AcademySpawner.boot_concurrency = settings.spawn_concurrency
c.Spawner.start_timeout = settings.spawn_timeout
c.Spawner.http_timeout = 120
# Many learners start at 9:00: let them all spawn at once rather than queueing behind a low default.
c.JupyterHub.concurrent_spawn_limit = 100
c.JupyterHub.cleanup_servers = True  # Ctrl-C on `academy up` stops the user servers too
