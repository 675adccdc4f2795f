"""The Kubernetes path without a cluster: the values load, agree with the manifests, and build the hub's config.

What is checked against the Zero to JupyterHub chart: the top-level and nested keys we use exist in the chart's
values (hand-checked against jupyterhub/zero-to-jupyterhub-k8s values.yaml/schema.yaml, listed below), the
OAuthenticator settings are accepted by OAuthenticator itself, and our config file builds roles and services that
match the Deployments in academy.yaml. Not checked here: `helm template` rendering (no helm, no cluster).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from oauthenticator.generic import GenericOAuthenticator
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

K8S = Path(__file__).resolve().parents[2] / "hub" / "k8s"
# Keys of the chart's values we rely on (z2jh 4.x values schema).
CHART_KEYS = {
    "hub": {"image", "db", "extraEnv", "config", "resources"},
    "proxy": {"service"},
    "ingress": {"enabled", "hosts", "tls"},
    "singleuser": {"image", "defaultUrl", "cpu", "memory", "storage", "extraEnv", "networkPolicy"},
    "cull": {"enabled", "timeout", "every"},
    "custom": {"academy"},
}


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded = yaml.safe_load((K8S / "values.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    docs = [doc for doc in yaml.safe_load_all((K8S / "academy.yaml").read_text()) if doc]
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}


def test_values_use_only_chart_keys(values: dict[str, Any]) -> None:
    """Are the values' sections and keys ones the chart knows (a typo would be silently ignored by helm)?"""
    assert set(values) == set(CHART_KEYS)
    for section, keys in CHART_KEYS.items():
        assert set(values[section]) <= keys | {"service"}, (section, set(values[section]) - keys)
    assert set(values["singleuser"]["storage"]) <= {"type", "capacity", "extraVolumes", "extraVolumeMounts"}
    assert values["hub"]["db"]["type"] == "postgres"


def test_user_pods_have_limits_culling_and_read_only_datasets(values: dict[str, Any]) -> None:
    """Do user pods get requests/limits, idle culling, datasets read-only and the exchange shared?"""
    single = values["singleuser"]
    assert single["cpu"]["limit"] >= single["cpu"]["guarantee"] > 0
    assert single["memory"]["limit"] and single["memory"]["guarantee"]
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] > 0
    mounts = {m["name"]: m for m in single["storage"]["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in single["storage"]["extraVolumes"]}
    assert mounts["datasets"]["readOnly"] is True
    assert volumes["datasets"]["persistentVolumeClaim"]["readOnly"] is True
    assert single["extraEnv"]["ACADEMY_DATASETS"] == mounts["datasets"]["mountPath"]
    assert single["extraEnv"]["ACADEMY_EXCHANGE"] == mounts["exchange"]["mountPath"]
    assert not mounts["exchange"].get("readOnly", False)


def test_sso_values_are_accepted_by_oauthenticator(values: dict[str, Any]) -> None:
    """Does GenericOAuthenticator accept the chart's hub.config for it (manage_groups with group claims)?"""
    config = Config({"GenericOAuthenticator": {**values["hub"]["config"]["GenericOAuthenticator"]}})
    authenticator = GenericOAuthenticator(config=config)
    assert authenticator.allowed_groups == {"academie"}
    assert authenticator.manage_groups is True
    assert values["hub"]["extraEnv"]["ACADEMY_ENV"] == "production"


def test_progress_and_grader_run_on_postgresql_and_share_the_exchange(
    values: dict[str, Any], manifests: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Do the progress and grader Deployments read PostgreSQL from the Secret and see the users' exchange volume?"""
    progress = manifests[("Deployment", "progress")]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in progress["containers"][0]["env"]}
    assert env["ACADEMY_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == "academie-secrets"
    assert env["ACADEMY_API_PREFIX"]["value"] == "/services/progress"
    assert progress["initContainers"][0]["command"] == ["academy", "api", "migrate"]
    grader = manifests[("Deployment", "grader")]["spec"]["template"]["spec"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in grader["volumes"]}
    user_claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"] for v in values["singleuser"]["storage"]["extraVolumes"]
    }
    assert claims["exchange"] == user_claims["exchange"]
    assert grader["containers"][0]["command"] == ["academy", "grade", "watch"]
    service = manifests[("Service", "progress")]
    port = service["spec"]["ports"][0]["port"]
    assert values["custom"]["academy"]["progressUrl"] == f"http://progress.academie.svc:{port}"


def test_k8s_hub_config_builds_kubespawner_roles_and_services(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, Any]
) -> None:
    """Does hub/k8s/jupyterhub_config.py, fed the values, build KubeSpawner, the progress service and the roles?"""
    monkeypatch.setenv("ACADEMY_K8S_VALUES", str(K8S / "values.yaml"))
    monkeypatch.setenv("ACADEMY_PROGRESS_HUB_TOKEN", "p" * 40)
    monkeypatch.setenv("ACADEMY_ROSTER_TOKEN", "r" * 40)
    c = PyFileConfigLoader("jupyterhub_config.py", path=str(K8S)).load_config()
    assert c.JupyterHub.spawner_class == "kubespawner.KubeSpawner"
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["progress"]["url"] == values["custom"]["academy"]["progressUrl"]
    assert services["progress"]["oauth_no_confirm"] is True
    assert services["roster-sync"]["environment"]["ACADEMY_PROGRESS_URL"].endswith("/services/progress")
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    assert roles["learner"]["groups"] == ["learners"]
    assert roles["idle-culler"]["services"] == ["idle-culler"]  # the chart's culler keeps its rights
    assert "access:services!service=progress" in c.Spawner.server_token_scopes
