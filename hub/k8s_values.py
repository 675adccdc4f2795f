"""Read the Zero to JupyterHub values from inside the hub pod (or from a file, for tests and `helm template` checks).

In the chart's hub pod, `z2jh.get_config` reads the mounted values; elsewhere `ACADEMY_K8S_VALUES` names a values
file (hub/k8s/values.yaml by default), so the Kubernetes configuration can be built and tested without a cluster.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_VALUES = Path(__file__).with_name("k8s") / "values.yaml"

# Secrets the Kubernetes hub reads through hub/secret_store.py (ACADEMY_<NAME>, from the `academie-secrets` Secret
# through hub.extraEnv): the SSO client secret, the progress service's hub API token, the progress admin token of the
# roster sync and of the login hook. The cookie secret and the proxy token are the chart's own (its `hub` Secret).
K8S_SECRETS = ("oidc_client_secret", "progress_hub_token", "roster_token")

# User pods run as their own uid, BASE_UID + the hub's user id, so that nbgrader's exchange permissions (submissions
# in `inbound` are written by their author, listed by nobody else) separate learners as they do between Unix users.
# Far above the image's own users and the grader's sandbox uids (graders/config.py, 61000 + n).
BASE_UID = 100_000


@cache
def load_values(path: str | None = None) -> dict[str, Any]:
    """The values file as a dict (ACADEMY_K8S_VALUES, else hub/k8s/values.yaml)."""
    chosen = Path(path or os.environ.get("ACADEMY_K8S_VALUES") or DEFAULT_VALUES)
    values = yaml.safe_load(chosen.read_text())
    if not isinstance(values, dict):
        raise ValueError(f"{chosen} is not a YAML mapping")
    return values


def chart_value(*keys: str, default: Any = None) -> Any:
    """A value by path, from the chart's own helper in the hub pod, else from the values file."""
    try:
        from z2jh import get_config  # only inside the chart's hub image (ignore_missing_imports)
    except ImportError:
        node: Any = load_values()
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node
    return get_config(".".join(keys), default)


def user_uid(spawner: Any) -> int:
    """KubeSpawner `uid` callable: the pod's uid for this hub user (stable while the user exists)."""
    return BASE_UID + int(spawner.user.id)


def academy_values() -> dict[str, Any]:
    """`custom.academy` of the values: where the progress service is, how often to sync the roster."""
    found = chart_value("custom", "academy", default=None)
    if not isinstance(found, dict) or "progressUrl" not in found:
        raise ValueError("values.yaml needs custom.academy.progressUrl (the progress Service URL)")
    return found
