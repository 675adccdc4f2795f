"""The Kubernetes hub as the chart builds it: values -> the chart's hub config -> our config.d file -> JupyterHub.

The chart's hub image runs its jupyterhub_config.py, which turns values.yaml into traitlets config, then executes
hub/k8s/jupyterhub_config.py in its own namespace (where `get_config` is the chart's z2jh helper). `chart_config`
below restates what that file does for the values we use — a paraphrase of jupyterhub/files/hub/jupyterhub_config.py
of jupyterhub/zero-to-jupyterhub-k8s (read at commit cbdd5403877b47bbeeed8b5b21bdbf3bc3b93e2a), not a copy; a value
it does not know makes the test fail rather than pass unchecked. The result is handed to a real JupyterHub, which
initialises (authenticator, roles, services), and to a real KubeSpawner, which builds a learner's pod manifest.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from inprocess_hub import InitialisedHub, initialised_hub
from jupyterhub import orm
from traitlets.config import Config

from hub import services as svc
from hub.k8s_values import BASE_UID
from hub.secret_store import SecretError

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "hub" / "k8s"
CONFIG_D = K8S / "jupyterhub_config.py"

# The chart's default values this paraphrase relies on (chart values.yaml, 4.x): helm merges ours over them.
CHART_DEFAULTS: dict[str, Any] = {
    "hub": {"baseUrl": "/", "db": {"type": "sqlite-pvc"}},
    "singleuser": {
        "uid": 1000,
        "fsGid": 100,
        "allowPrivilegeEscalation": False,
        "cmd": "jupyterhub-singleuser",
        "startTimeout": 300,
        "storage": {
            "type": "dynamic",
            "capacity": "10Gi",
            "homeMountPath": "/home/jovyan",
            "dynamic": {"pvcNameTemplate": "claim-{user_server}", "volumeNameTemplate": "volume-{user_server}"},
        },
    },
    "cull": {"enabled": True, "adminUsers": True, "timeout": 3600, "every": 600, "concurrency": 10},
}
# Values the chart's templates use (pods, Services, Ingress, NetworkPolicy) and its hub config does not, or reads
# only as environment (hub.extraEnv): checked by the schema and tests/hub/test_hub_k8s.py, not here.
TEMPLATES_ONLY = {"hub.image", "hub.resources", "hub.extraEnv", "proxy", "ingress", "singleuser.networkPolicy"}
# singleuser.<key> -> KubeSpawner trait, as the chart maps them (the subset our values use).
SINGLEUSER_TRAITS = {
    "uid": "uid",
    "fsGid": "fs_gid",
    "startTimeout": "start_timeout",
    "memory.limit": "mem_limit",
    "memory.guarantee": "mem_guarantee",
    "cpu.limit": "cpu_limit",
    "cpu.guarantee": "cpu_guarantee",
    "extraEnv": "environment",
}
HANDLED = {
    "hub.baseUrl",
    "hub.db",
    *(f"singleuser.{key.split('.')[0]}" for key in SINGLEUSER_TRAITS),
    "singleuser.image",
    "singleuser.allowPrivilegeEscalation",
    "singleuser.storage",
    "singleuser.cmd",
    "singleuser.defaultUrl",
    "cull",
    "custom",
}


def helm_merge(defaults: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of user values over chart defaults: maps merge, anything else replaces, null deletes."""
    merged = copy.deepcopy(defaults)
    for key, value in ours.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = helm_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def value_keys(values: dict[str, Any]) -> set[str]:
    """`section.key` for each key of each section of the values."""
    return {f"{section}.{key}" for section, body in values.items() for key in body}


def chart_config(values: dict[str, Any], *, hub_secret: dict[str, str]) -> Config:
    """The config the chart's hub pod builds from `values`, then our config.d file run as the chart runs it."""
    known = HANDLED | TEMPLATES_ONLY
    unknown = {key for key in value_keys(values) if key not in known and key.split(".")[0] not in known}
    assert not unknown, f"the chart paraphrase does not know what the chart does with {sorted(unknown)}"
    merged = helm_merge(CHART_DEFAULTS, values)

    def get(key: str, default: Any = None) -> Any:  # the chart's z2jh.get_config
        node: Any = merged
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    c = Config()
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.ConfigurableHTTPProxy.api_url = "http://proxy-api:8001"  # a Service of the chart; not contacted here
    c.ConfigurableHTTPProxy.should_start = False
    c.JupyterHub.cleanup_servers = False
    c.JupyterHub.db_url = get("hub.db.url")
    c.JupyterHub.base_url = get("hub.baseUrl")
    c.JupyterHub.hub_bind_url = "http://:8081"
    c.JupyterHub.hub_connect_url = "http://hub:8081"
    c.KubeSpawner.namespace = "academie"
    for key, trait in SINGLEUSER_TRAITS.items():
        if (value := get(f"singleuser.{key}")) is not None:
            setattr(c.KubeSpawner, trait, value)
    c.KubeSpawner.image = f"{get('singleuser.image.name')}:{get('singleuser.image.tag')}"
    c.KubeSpawner.allow_privilege_escalation = get("singleuser.allowPrivilegeEscalation")
    assert get("singleuser.storage.type") == "dynamic"
    c.KubeSpawner.pvc_name_template = get("singleuser.storage.dynamic.pvcNameTemplate")
    c.KubeSpawner.storage_pvc_ensure = True
    c.KubeSpawner.storage_capacity = get("singleuser.storage.capacity")
    home = get("singleuser.storage.dynamic.volumeNameTemplate")
    c.KubeSpawner.volumes = [{"name": home, "persistentVolumeClaim": {"claimName": c.KubeSpawner.pvc_name_template}}]
    c.KubeSpawner.volume_mounts = [{"name": home, "mountPath": get("singleuser.storage.homeMountPath")}]
    c.KubeSpawner.volumes.extend(get("singleuser.storage.extraVolumes", []))
    c.KubeSpawner.volume_mounts.extend(get("singleuser.storage.extraVolumeMounts", []))
    c.JupyterHub.services = []
    c.JupyterHub.load_roles = []
    if get("cull.enabled"):
        command = ["python3", "-m", "jupyterhub_idle_culler", "--url=http://localhost:8081/hub/api"]
        command += [f"--timeout={get('cull.timeout')}", f"--cull-every={get('cull.every')}"]
        command += [f"--concurrency={get('cull.concurrency')}"]
        if not get("cull.adminUsers"):
            command.append("--cull-admin-users=false")
        c.JupyterHub.services.append({"name": "jupyterhub-idle-culler", "command": command})
        c.JupyterHub.load_roles.append(
            {
                "name": "jupyterhub-idle-culler",
                "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
                "services": ["jupyterhub-idle-culler"],
            }
        )
    c.Spawner.cmd = get("singleuser.cmd")
    c.Spawner.default_url = get("singleuser.defaultUrl")
    c.JupyterHub.cookie_secret = bytes.fromhex(hub_secret["hub.config.JupyterHub.cookie_secret"])
    c.ConfigurableHTTPProxy.auth_token = hub_secret["hub.config.ConfigurableHTTPProxy.auth_token"]
    # jupyterhub_config.d files run in the chart file's namespace, where get_config is z2jh's.
    namespace = {"c": c, "get_config": get, "__file__": str(CONFIG_D)}
    exec(compile(CONFIG_D.read_text(), str(CONFIG_D), "exec"), namespace)
    return c


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((K8S / "values.yaml").read_text())
    return loaded


def pod_env(values: dict[str, Any], secret_values: dict[str, str]) -> dict[str, str]:
    """The hub container's environment from hub.extraEnv, Secret references resolved from `secret_values`."""
    env = {}
    for name, spec in values["hub"]["extraEnv"].items():
        env[name] = secret_values[spec["valueFrom"]["secretKeyRef"]["key"]] if isinstance(spec, dict) else str(spec)
    return env


SECRETS = {
    "oidc-client-secret": "o" * 40,
    "progress-hub-token": "p" * 64,
    "roster-token": "r" * 64,
    "hub-db-password": "d" * 32,
}
HUB_SECRET = {"hub.config.JupyterHub.cookie_secret": "ab" * 32, "hub.config.ConfigurableHTTPProxy.auth_token": "x" * 64}


@pytest.fixture
def hub_pod(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, values: dict[str, Any]) -> dict[str, str]:
    """The hub pod's environment (from values.yaml) in a scratch working directory; the test may change it."""
    env = pod_env(values, SECRETS)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ACADEMY_K8S_VALUES", str(K8S / "values.yaml"))
    monkeypatch.chdir(tmp_path)
    return env


@pytest.fixture(scope="module")
def chart_hub(tmp_path_factory: pytest.TempPathFactory, values: dict[str, Any]) -> Iterator[InitialisedHub]:
    """The chart's hub, initialised for real from values.yaml (SQLite stands in for the PostgreSQL of hub.db.url)."""
    workdir = tmp_path_factory.mktemp("k8s-hub")
    kubeconfig = workdir / "kubeconfig"
    # KubeSpawner loads a cluster configuration when created; this one names no reachable API server, and
    # building a pod manifest never calls it.
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "none", "cluster": {"server": "https://127.0.0.1:9"}}],
                "users": [{"name": "none", "user": {"token": "no-cluster-in-tests"}}],
                "contexts": [{"name": "none", "context": {"cluster": "none", "user": "none"}}],
                "current-context": "none",
            }
        )
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in pod_env(values, SECRETS).items():
            patch.setenv(name, value)
        patch.setenv("ACADEMY_K8S_VALUES", str(K8S / "values.yaml"))
        patch.setenv("KUBECONFIG", str(kubeconfig))
        patch.chdir(workdir)
        config = chart_config(values, hub_secret=HUB_SECRET)
        assert config.JupyterHub.db_url.startswith("postgresql+psycopg://")
        config.JupyterHub.db_url = f"sqlite:///{workdir / 'jupyterhub.sqlite'}"
        with initialised_hub(config, workdir=workdir) as hub:
            yield hub


def test_sso_secret_and_roster_check_reach_the_authenticator(chart_hub: InitialisedHub, values: dict[str, Any]) -> None:
    """Does the k8s hub's GenericOAuthenticator get the Secret's client secret and the roster check on the Service?"""
    authenticator = chart_hub.app.authenticator
    assert type(authenticator).__name__ == "GenericOAuthenticator"
    assert authenticator.client_secret == SECRETS["oidc-client-secret"]
    assert authenticator.client_id == values["hub"]["extraEnv"]["ACADEMY_OIDC_CLIENT_ID"]
    assert authenticator.manage_groups is True and authenticator.allowed_groups == {"academie"}
    hook = authenticator.post_auth_hook
    assert hook.progress_url == values["custom"]["academy"]["progressUrl"] + "/services/progress"
    assert hook.token() == SECRETS["roster-token"]


def test_services_and_culler_reach_the_hub(chart_hub: InitialisedHub, values: dict[str, Any]) -> None:
    """Does the hub get the progress service, the roster sync and the chart's culler, each with its role?"""
    services = chart_hub.app._service_map
    assert set(services) == {"progress", "roster-sync", "jupyterhub-idle-culler"}
    assert services["progress"].url == values["custom"]["academy"]["progressUrl"]
    assert services["progress"].oauth_no_confirm is True
    assert services["roster-sync"].environment["ACADEMY_ROSTER_TOKEN"] == SECRETS["roster-token"]
    assert services["roster-sync"].environment["ACADEMY_PROGRESS_URL"].endswith(":8001/services/progress")
    # The hub would hand the sync its Service URL; the sync calls it on localhost, as the chart's culler does.
    assert chart_hub.app.hub.api_url == "http://hub:8081/hub/api"
    assert services["roster-sync"].environment["ACADEMY_HUB_API_URL"] == "http://localhost:8081/hub/api"
    assert "--url=http://localhost:8081/hub/api" in services["jupyterhub-idle-culler"].command
    culler = services["jupyterhub-idle-culler"].command
    assert f"--timeout={values['cull']['timeout']}" in culler and f"--cull-every={values['cull']['every']}" in culler
    db = chart_hub.app.db
    culler_role = orm.Role.find(db, "jupyterhub-idle-culler")
    assert culler_role is not None and [s.name for s in culler_role.services] == ["jupyterhub-idle-culler"]
    learner = orm.Role.find(db, "learner")
    assert learner is not None and [g.name for g in learner.groups] == [svc.LEARNERS]
    assert svc.PROGRESS_ACCESS in learner.scopes


async def learner_pod(hub: InitialisedHub, name: str) -> tuple[Any, Any]:
    """A hub user (created) and the pod KubeSpawner would create for their server (spawners need a running loop)."""
    hub.app.db.add(orm.User(name=name))
    hub.app.db.commit()
    user = hub.app.users[orm.User.find(hub.app.db, name)]
    return user, await user.spawner.get_pod_manifest()


def test_a_learners_pod_has_limits_volumes_and_own_uid(chart_hub: InitialisedHub, values: dict[str, Any]) -> None:
    """Does KubeSpawner build a learner's pod with limits, read-only datasets, the exchange and a uid of their own?"""
    lea, pod = chart_hub.run(learner_pod(chart_hub, "lea"))
    hugo, hugo_pod = chart_hub.run(learner_pod(chart_hub, "hugo"))
    assert type(lea.spawner).__name__ == "KubeSpawner"
    container = pod.spec.containers[0]
    assert container.image == "registry.example.fr/academie/user:0.1.0"
    assert container.resources.limits == {"cpu": 1.0, "memory": 2 * 1024**3}
    assert container.resources.requests == {"cpu": 0.25, "memory": 1024**3}
    assert container.security_context["allowPrivilegeEscalation"] is False
    uid = container.security_context["runAsUser"]
    assert uid == BASE_UID + lea.id
    assert hugo_pod.spec.containers[0].security_context["runAsUser"] == BASE_UID + hugo.id != uid
    assert pod.spec.security_context["fsGroup"] == values["singleuser"]["fsGid"]
    mounts = {m.name: m for m in container.volume_mounts}
    volumes = {v.name: v for v in pod.spec.volumes}
    assert mounts["datasets"].read_only is True and volumes["datasets"].persistent_volume_claim["readOnly"] is True
    assert mounts["exchange"].mount_path == "/srv/exchange" and not mounts["exchange"].read_only
    assert mounts["volume-lea"].mount_path == "/home/jovyan"
    assert volumes["volume-lea"].persistent_volume_claim["claimName"] == "claim-lea"
    env = {e.name: e.value for e in container.env}
    assert env["JUPYTERHUB_USER"] == "lea"
    assert {k: env[k] for k in values["singleuser"]["extraEnv"]} == values["singleuser"]["extraEnv"]
    assert lea.spawner.server_token_scopes == svc.SERVER_TOKEN_SCOPES
    assert lea.spawner.default_url == "/lab"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"ACADEMY_OIDC_CLIENT_SECRET": "academie-demo"}, "ACADEMY_OIDC_CLIENT_SECRET is a public demo value"),
        ({"ACADEMY_ROSTER_TOKEN": "short"}, "ACADEMY_ROSTER_TOKEN is 5 characters long"),
        ({"ACADEMY_PROGRESS_HUB_TOKEN": None}, "export ACADEMY_PROGRESS_HUB_TOKEN"),
        ({"ACADEMY_AUTH": "demo"}, "set ACADEMY_AUTH=oidc"),
        ({"ACADEMY_OIDC_TOKEN_URL": None}, "set ACADEMY_OIDC_TOKEN_URL"),
    ],
)
def test_k8s_hub_refuses_demo_short_or_missing_secrets(
    hub_pod: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    values: dict[str, Any],
    change: dict[str, str | None],
    refusal: str,
) -> None:
    """Does the k8s hub stop at start-up, naming the variable, on a demo, short or missing secret or SSO setting?"""
    for name, value in change.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(SecretError, match=refusal):
        chart_config(values, hub_secret=HUB_SECRET)
