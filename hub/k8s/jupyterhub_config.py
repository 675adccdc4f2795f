# Kubernetes additions to the Zero to JupyterHub chart's own configuration.
#
# The hub image (hub/k8s/Dockerfile.hub) copies this file into /usr/local/etc/jupyterhub/jupyterhub_config.d/, which
# the chart's jupyterhub_config.py loads after applying values.yaml (KubeSpawner, volumes, resources, culling, SSO).
# This file only adds what must agree with the local platform: roles bound to roster groups, the progress service,
# the roster sync, and the user servers' token scopes — all from hub/services.py.

import os

from hub import services as svc
from hub.k8s_values import academy_values, chart_value

c = get_config()  # type: ignore[name-defined]  # noqa: F821 (injected by JupyterHub's config loader)
academy = academy_values()

# The chart already selects KubeSpawner; restated so that this file fails loudly if used with anything else.
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"

# The progress service runs as a Deployment (hub/k8s/academy.yaml): an external service with hub OAuth.
c.JupyterHub.services = [
    {
        "name": "progress",
        "url": academy["progressUrl"],
        "api_token": os.environ["ACADEMY_PROGRESS_HUB_TOKEN"],
        "oauth_no_confirm": True,
        "display": True,
    },
    # The roster sync runs inside the hub pod, like the chart's culler.
    {
        "name": "roster-sync",
        "command": ["python3", "-m", "hub.roster_sync"],
        "environment": {
            "ACADEMY_PROGRESS_URL": academy["progressUrl"].rstrip("/") + "/services/progress",
            "ACADEMY_ROSTER_TOKEN": os.environ["ACADEMY_ROSTER_TOKEN"],
            "ACADEMY_ROSTER_INTERVAL": str(academy.get("rosterInterval", 30)),
            "ACADEMY_ROSTER_SKIP": ",".join(svc.SERVICE_ACCOUNTS),
        },
    },
]
# Service names the chart adds itself (the culler) must keep their roles, so ours are appended, not replacing.
chart_services = {"idle-culler"} if chart_value("cull", "enabled", default=False) else set()
c.JupyterHub.load_roles = svc.as_list(svc.roles({"progress", "roster-sync", *chart_services}))
c.JupyterHub.load_groups = {group: {"users": []} for group in svc.ROLE_GROUPS.values()}
c.Spawner.server_token_scopes = svc.SERVER_TOKEN_SCOPES
