"""The hub's roles and managed services, kept as dicts keyed by name and turned into JupyterHub's lists in one place.

Used by both configurations (local `hub/jupyterhub_config.py` and Kubernetes `hub/k8s/jupyterhub_config.py`), so the
two cannot drift on who may do what.
"""

from __future__ import annotations

import sys
from typing import Any

from hub.config import HubSettings

# Hub groups filled from the progress service's roster (hub/roster_sync.py); roles are bound to these groups, so a
# change of membership changes rights without restarting the hub.
LEARNERS, TRAINERS, CEDIA, ADMINS = "learners", "trainers", "cedia", "admins"
ROLE_GROUPS = {"learner": LEARNERS, "trainer": TRAINERS, "cedia": CEDIA, "admin": ADMINS}

PROGRESS_ACCESS = "access:services!service=progress"
# Progress-service accounts of the platform's own processes (`academy up` creates their API tokens): never hub users.
SERVICE_ACCOUNTS = ("grader", "roster-sync")

# What a user server's own token ($JUPYTERHUB_API_TOKEN) may do: report activity, be reached by its owner, and call
# the progress service (self-check records attempts with it). JupyterHub keeps only the scopes its owner holds.
SERVER_TOKEN_SCOPES = ["users:activity!user", "access:servers!server", PROGRESS_ACCESS]


def roles(service_names: set[str]) -> dict[str, dict[str, Any]]:
    """Hub roles by name, keeping service roles only for services that are configured (the hub insists).

    Everyone keeps JupyterHub's default `user` role (own server only).
    """
    every = {
        "learner": {
            "description": "Learner: own server and the progress service",
            "scopes": ["self", PROGRESS_ACCESS],
            "groups": [LEARNERS],
        },
        "trainer": {
            "description": "Trainer: own server and the progress service (cohort scoping is the service's job)",
            "scopes": ["self", PROGRESS_ACCESS],
            "groups": [TRAINERS],
        },
        "cedia": {
            "description": "CEDIA staff: own server and the progress service",
            "scopes": ["self", PROGRESS_ACCESS],
            "groups": [CEDIA],
        },
        "academy-admin": {
            "description": "Academy administrators: see users and servers, stop servers",
            "scopes": ["self", PROGRESS_ACCESS, "admin-ui", "list:users", "read:users", "admin:servers", "read:groups"],
            "groups": [ADMINS],
        },
        "progress-service": {
            "description": "The progress service resolves hub identities and group membership",
            "scopes": ["list:users", "read:users", "list:groups", "read:groups"],
            "services": ["progress"],
        },
        "roster-sync": {
            "description": "Pushes the roster's users and groups into the hub",
            "scopes": ["admin:users", "admin:groups", "list:users", "list:groups"],
            "services": ["roster-sync"],
        },
        "idle-culler": {
            "description": "Stops idle user servers (jupyterhub-idle-culler's documented scopes)",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        },
    }
    return {name: spec for name, spec in every.items() if set(spec.get("services", [])) <= service_names}


def services(
    settings: HubSettings,
    *,
    grader_token: str | None,
    roster_token: str | None,
    roster_hub_token: str | None = None,
    progress_secret_key: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Managed services by name: the hub starts, restarts (on its own restart) and stops them.

    `grader_token` and `roster_token` are progress-service API tokens (grader and admin roles); without them the
    grader and the roster sync are left out. `roster_hub_token` is the sync's own hub token (persisted, so that an
    operator or a test can act as the sync with it).
    """
    bin_dir = settings.bin_dir
    base_env = settings.academy_env()
    found: dict[str, dict[str, Any]] = {}
    if settings.progress_service:
        found["progress"] = {
            "url": f"http://127.0.0.1:{settings.progress_port}",
            "command": [
                str(bin_dir / "academy"),
                *("api", "serve", "--host", "127.0.0.1", "--port", str(settings.progress_port)),
            ],
            # The proxy does not strip /services/progress: the app mounts its routes under that prefix.
            "environment": {
                **base_env,
                "ACADEMY_API_PREFIX": settings.progress_prefix,
                "ACADEMY_HUB_PUBLIC_URL": settings.public_url.rstrip("/"),  # where browsers are sent for OAuth
                "ACADEMY_PRODUCTION": str(settings.env == "production").lower(),
                **({"ACADEMY_SECRET_KEY": progress_secret_key} if progress_secret_key else {}),
            },
            "oauth_no_confirm": True,  # internal service: one login, no consent page
            "display": True,
            "cwd": str(settings.home),
        }
    found["idle-culler"] = {
        "command": [
            sys.executable,
            *("-m", "jupyterhub_idle_culler"),
            f"--timeout={settings.cull_timeout}",
            f"--cull-every={settings.cull_every}",
        ],
    }
    progress_client_env = {**base_env, "ACADEMY_PROGRESS_URL": settings.progress_internal_url}
    if roster_token:
        found["roster-sync"] = {
            "command": [sys.executable, "-m", "hub.roster_sync"],
            "environment": {
                **progress_client_env,
                "ACADEMY_ROSTER_TOKEN": roster_token,
                "ACADEMY_ROSTER_INTERVAL": str(settings.roster_interval),
                "ACADEMY_ROSTER_SKIP": ",".join(SERVICE_ACCOUNTS),
            },
        }
        if roster_hub_token:
            found["roster-sync"]["api_token"] = roster_hub_token
    if grader_token and settings.grader_watch:
        found["grader"] = {
            "command": [str(bin_dir / "academy"), "grade", "watch"],
            "environment": {**progress_client_env, "ACADEMY_GRADER_TOKEN": grader_token},
            "cwd": str(settings.home),
        }
    return found


def as_list(by_name: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """JupyterHub wants lists of dicts with a `name` key; we keep dicts keyed by name everywhere else."""
    return [{"name": name, **spec} for name, spec in by_name.items()]
