# Kubernetes additions to the Zero to JupyterHub chart's own configuration.
#
# The hub image (hub/k8s/Dockerfile.hub) copies this file into /usr/local/etc/jupyterhub/jupyterhub_config.d/. The
# chart's jupyterhub_config.py applies values.yaml first (KubeSpawner, volumes, resources, the culler service and its
# role), then runs this file in its own namespace: `c` is the config being built, and `get_config` there is the
# chart's z2jh helper, not traitlets' (so this file never calls it). What this file adds must agree with the local
# platform: the SSO login with the roster check, roles bound to roster groups, the progress service, the roster sync,
# the user servers' token scopes and per-user uids — from the same hub/ modules as the local configuration.
from typing import Any

from jupyterhub.utils import url_path_join

from hub import services as svc
from hub.config import HubSettings
from hub.k8s_values import K8S_SECRETS, academy_values, user_uid
from hub.roster_login import RosterLoginHook
from hub.secret_store import check_production, read_secret
from hub.sso import AUTHENTICATOR_CLASS, generic_oauth

c: Any = globals()["c"]  # injected by both loaders (traitlets' and the chart's exec)
settings = HubSettings()
check_production(settings)  # SSO only, no demo accounts: before anything is configured
academy = academy_values()
# Read now, so that a missing, demo or short secret stops the hub at start-up with the variable to fix.
secrets = {name: read_secret(name, settings=settings, generate=False) for name in K8S_SECRETS}
progress_api = academy["progressUrl"].rstrip("/") + "/services/progress"  # the Service, plus the hub's prefix
# The hub on its container port (the chart's hub_bind_url), from inside the hub pod.
local_hub_api = "http://localhost:8081" + url_path_join(c.JupyterHub.get("base_url", "/"), "hub/api")

# The chart already selects KubeSpawner; restated so that this file fails loudly if used with anything else.
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"

# --- Login: the company SSO; the roster decides who may log in and adds the academy groups.
c.JupyterHub.authenticator_class = AUTHENTICATOR_CLASS
c.GenericOAuthenticator.update(
    generic_oauth(
        settings,
        client_secret=secrets["oidc_client_secret"],
        post_auth_hook=RosterLoginHook(
            progress_url=progress_api,
            token=lambda: read_secret("roster_token", settings=settings, generate=False),
        ),
    )
)

# --- Services, appended to the chart's (its idle culler keeps its service and role).
ours = {
    # The progress service runs as a Deployment (hub/k8s/academy.yaml): an external service with hub OAuth.
    "progress": {
        "url": academy["progressUrl"],
        "api_token": secrets["progress_hub_token"],
        "oauth_no_confirm": True,
        "display": True,
    },
    # The roster sync runs inside the hub pod, like the chart's culler (managed services do not inherit the hub's
    # environment: what it needs is passed here). Like the culler, it calls the hub on localhost: JupyterHub gives
    # services the hub's Service URL (hub_connect_url), a detour through the network policy.
    "roster-sync": {
        "command": ["python3", "-m", "hub.roster_sync"],
        "environment": {
            "ACADEMY_HUB_API_URL": local_hub_api,
            "ACADEMY_PROGRESS_URL": progress_api,
            "ACADEMY_ROSTER_TOKEN": secrets["roster_token"],
            "ACADEMY_ROSTER_INTERVAL": str(academy.get("rosterInterval", 30)),
            "ACADEMY_ROSTER_SKIP": ",".join(svc.SERVICE_ACCOUNTS),
        },
    },
}
c.JupyterHub.services.extend(svc.as_list(ours))
c.JupyterHub.load_roles.extend(svc.as_list(svc.roles(set(ours))))
# No load_groups: with manage_groups the hub refuses it, and the roles above create their groups.

# --- User pods: the server's token may reach the progress service; each learner runs as their own uid (the group
# of their volumes is the chart's singleuser.fsGid, common to all).
c.Spawner.server_token_scopes = svc.SERVER_TOKEN_SCOPES
c.KubeSpawner.uid = user_uid
