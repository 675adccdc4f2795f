"""The Kubernetes path without a cluster: values, manifests, images, as far as files can be checked.

The values are validated against the Zero to JupyterHub chart's own values schema (vendored, see its header); the
environment each Deployment sets is checked against the settings classes of the part it runs; the images' build
context and install steps are checked as files. How the chart's hub configuration turns the values into KubeSpawner
pods and hub services is tests/hub/test_hub_k8s_chart.py. Not exercised: `helm template` and a real cluster.
"""

from __future__ import annotations

import copy
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from datasets_synthetic.config import DataSettings
from graders.config import GraderSettings, SandboxLimits
from hub.config import HubSettings
from hub.k8s_values import K8S_SECRETS
from progress_api.core.config import Settings as ProgressSettings

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "hub" / "k8s"


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded = yaml.safe_load((K8S / "values.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def manifests() -> dict[tuple[str, str], dict[str, Any]]:
    docs = [doc for doc in yaml.safe_load_all((K8S / "academy.yaml").read_text()) if doc]
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}


def without_default_requirements(node: Any, *, conditional: bool = False) -> Any:
    """The chart's schema minus the `required` lists the chart's default values satisfy (see the schema's header)."""
    if isinstance(node, list):
        return [without_default_requirements(item, conditional=conditional) for item in node]
    if not isinstance(node, dict):
        return node
    relaxed = {}
    for key, value in node.items():
        if key == "required" and not conditional:
            continue
        inside_condition = conditional or key in ("oneOf", "anyOf", "allOf", "if", "then", "else")
        relaxed[key] = without_default_requirements(value, conditional=inside_condition)
    return relaxed


@pytest.fixture(scope="module")
def chart_schema() -> dict[str, Any]:
    schema = yaml.safe_load((K8S / "z2jh-values.schema.yaml").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    relaxed: dict[str, Any] = without_default_requirements(schema)
    return relaxed


def schema_errors(schema: dict[str, Any], values: dict[str, Any]) -> list[str]:
    found = jsonschema.Draft7Validator(schema).iter_errors(values)
    return sorted(f"{'.'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}" for error in found)


def test_values_follow_the_charts_schema(chart_schema: dict[str, Any], values: dict[str, Any]) -> None:
    """Does every key and type of values.yaml pass the chart's values schema (helm would ignore a misspelt key)?"""
    assert schema_errors(chart_schema, values) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("cull", "timout"), 3600, "Additional properties are not allowed ('timout' was unexpected)"),
        (("singleuser", "storage", "extraVolumeMount"), [], "'extraVolumeMount' was unexpected"),
        (("singleuser", "cpu", "limit"), "1 CPU", "'1 CPU' is not of type 'number', 'null'"),
        (("hub", "db", "type"), "postgresql", "'postgresql' is not one of"),
    ],
)
def test_schema_refuses_a_typo_or_a_wrong_type(
    chart_schema: dict[str, Any], values: dict[str, Any], path: tuple[str, ...], value: Any, expected: str
) -> None:
    """Would a misspelt key or a wrong type in values.yaml be caught, with the path to fix?"""
    broken = copy.deepcopy(values)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = schema_errors(chart_schema, broken)
    assert len(errors) == 1 and expected in errors[0], errors
    assert errors[0].startswith(".".join(path[:-1]) if "unexpected" in expected else ".".join(path))


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


def test_progress_and_grader_run_on_postgresql_and_share_the_exchange(
    values: dict[str, Any], manifests: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Do the progress service and the grader's gradebook read PostgreSQL URLs from the Secret, sharing the exchange?"""
    progress = manifests[("Deployment", "progress")]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in progress["containers"][0]["env"]}
    secret = {"name": "academie-secrets", "key": "database-url"}
    assert env["ACADEMY_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == secret
    assert env["ACADEMY_API_PREFIX"]["value"] == "/services/progress"
    assert progress["initContainers"][0]["command"] == ["academy", "api", "migrate"]
    grader = manifests[("Deployment", "grader")]["spec"]["template"]["spec"]
    grader_env = {e["name"]: e for e in grader["containers"][0]["env"]}
    # graders/config.py reads the gradebook from ACADEMY_GRADEBOOK_URL; without it, SQLite files on the volume.
    assert grader_env["ACADEMY_GRADEBOOK_URL"]["valueFrom"]["secretKeyRef"]["key"] == "gradebook-url"
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in grader["volumes"]}
    user_claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"] for v in values["singleuser"]["storage"]["extraVolumes"]
    }
    assert claims["exchange"] == user_claims["exchange"]
    assert grader["containers"][0]["command"] == ["academy", "grade", "watch"]
    # The sandbox needs root (graders/README.md); as root, nbgrader's release sets the exchange's permissions.
    assert grader["containers"][0]["securityContext"] == {"runAsUser": 0, "privileged": True}
    service = manifests[("Service", "progress")]
    port = service["spec"]["ports"][0]["port"]
    assert values["custom"]["academy"]["progressUrl"] == f"http://progress.academie.svc:{port}"


def env_names(*classes: type[BaseSettings]) -> set[str]:
    """The environment variables pydantic-settings classes read: prefix + field name, or the field's own aliases."""
    names: set[str] = set()
    for cls in classes:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for name, info in cls.model_fields.items():
            alias = info.validation_alias
            if isinstance(alias, AliasChoices):
                names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
            elif isinstance(alias, str):
                names.add(alias.upper())
            else:
                names.add((prefix + name).upper())
    return names


def container_env(spec: dict[str, Any]) -> dict[str, set[str]]:
    """Container name -> the names of the variables it is given (init containers included)."""
    containers = spec.get("initContainers", []) + spec["containers"]
    return {c["name"]: {e["name"] for e in c.get("env", [])} for c in containers}


def test_every_variable_a_deployment_sets_is_read_by_its_part(
    values: dict[str, Any], manifests: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Is each environment variable set on k8s one the part in that pod reads (a misnamed one is silently ignored)?"""
    reads = {
        "progress": env_names(ProgressSettings),
        "grader": env_names(GraderSettings, SandboxLimits),
        # The hub reads HubSettings and its secrets through hub/secret_store.py; libpq reads PGPASSWORD (hub.db.url).
        "hub": env_names(HubSettings) | {f"ACADEMY_{name.upper()}" for name in K8S_SECRETS} | {"PGPASSWORD"},
        # User servers: notebooks load the datasets, self-check calls the progress service (graders' settings).
        "singleuser": env_names(DataSettings, GraderSettings),
    }
    set_by: dict[str, dict[str, set[str]]] = {
        "progress": container_env(manifests[("Deployment", "progress")]["spec"]["template"]["spec"]),
        "grader": container_env(manifests[("Deployment", "grader")]["spec"]["template"]["spec"]),
        "hub": {"hub": set(values["hub"]["extraEnv"])},
        "singleuser": {"notebook": set(values["singleuser"]["extraEnv"])},
    }
    unread = {
        f"{part}/{container}": sorted(names - reads[part])
        for part, containers in set_by.items()
        for container, names in containers.items()
        if names - reads[part]
    }
    assert unread == {}
    # And the check can fail: the variable the grader used to be given is not one it reads.
    assert "ACADEMY_DATABASE_URL" not in reads["grader"]


def test_user_pods_may_reach_the_progress_service(
    values: dict[str, Any], manifests: dict[tuple[str, str], dict[str, Any]]
) -> None:
    """Does the user pods' network policy let self-check reach the progress pods on the port their URL names?"""
    policy = values["singleuser"]["networkPolicy"]
    assert policy["enabled"] is True
    progress = manifests[("Deployment", "progress")]["spec"]["template"]
    labels = progress["metadata"]["labels"]
    container_port = progress["spec"]["containers"][0]["ports"][0]["containerPort"]
    allowed = [
        rule
        for rule in policy["egress"]
        if any(set(peer["podSelector"]["matchLabels"].items()) <= set(labels.items()) for peer in rule["to"])
        and any(port["port"] == container_port and port["protocol"] == "TCP" for port in rule["ports"])
    ]
    assert allowed, policy["egress"]
    service_port = manifests[("Service", "progress")]["spec"]["ports"][0]
    assert service_port["targetPort"] == container_port
    assert f":{service_port['port']}/" in values["singleuser"]["extraEnv"]["ACADEMY_PROGRESS_URL"]


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    """Docker's .dockerignore rule: a path is excluded when the last matching pattern (of it or a parent) excludes."""
    excluded = False
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            excluded = not negate
    return excluded


def test_image_build_context_leaves_local_state_out() -> None:
    """Does .dockerignore keep the venv, platform secrets and databases out of `COPY .`, but no tracked source?"""
    patterns = [
        line.strip() for line in (REPO / ".dockerignore").read_text().splitlines() if line.strip() and line[0] != "#"
    ]
    for secret_or_local in (
        ".venv/bin/python",
        ".tools/bin/uv",
        "var/hub/cookie_secret",
        "var/hub/roster_token",
        "var/hub/jupyterhub.sqlite",
        "var/progress.db",
        "progress.db",
        "var/grading/c01/gradebook.db-wal",
        ".git/config",
        "hub/__pycache__/config.cpython-311.pyc",
        ".env",
    ):
        assert dockerignore_excludes(patterns, secret_or_local), secret_or_local
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert [path for path in tracked.splitlines() if dockerignore_excludes(patterns, path)] == []


def test_images_install_the_locked_environment() -> None:
    """Do both images install uv.lock's packages (so user servers run the hub's JupyterHub), and the hub our config?"""
    user = (K8S / "Dockerfile.user").read_text()
    hub = (K8S / "Dockerfile.hub").read_text()
    assert "uv sync --frozen --no-dev" in user and "pip install --no-cache-dir /opt" not in user
    assert "uv export --frozen --no-dev --extra k8s" in hub and "--require-hashes" in hub
    assert "jupyterhub_config.d/academy.py" in hub
    uv_version = re.search(r"UV_VERSION := (\S+)", (REPO / "Makefile").read_text())
    assert uv_version is not None
    assert f"ARG UV_VERSION={uv_version.group(1)}" in user and f"ARG UV_VERSION={uv_version.group(1)}" in hub
