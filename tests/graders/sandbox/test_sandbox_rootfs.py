"""The sandbox's file system is an allow-list (rootfs.py, pool.readable_paths): the importable packages, the
interpreter and the datasets; never the course sources, the repository's history, its tests or the platform data,
wherever the repository lives."""

from __future__ import annotations

import ast
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graders.config import SandboxLimits
from graders.sandbox.pool import PROJECT_ROOT, Job, SandboxPool
from graders.sandbox.rootfs import RootPlan, _operations


def test_real_repository_trees_are_out_of_reach(cohort: dict[str, Any]) -> None:
    """A submission of the cohort tries to read course sources, authoring content (solutions and hidden tests in
    Python), .git, tests/ fixtures, the repository's var/, the gradebook, the exchange: every one is refused, and
    the packages test cells import still import."""
    path = cohort["settings"].grading_dir / "c99-fixture" / "autograded" / "snooper" / "a01-fixture" / "devoir.ipynb"
    nb = json.loads(path.read_text())
    texts = [o.get("text", "") for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    line = next(t for text in texts for t in "".join(text).splitlines() if t.startswith("SNOOP"))
    seen = json.loads(line.removeprefix("SNOOP"))
    listing = seen.pop(str(PROJECT_ROOT / "courses"))
    assert listing.startswith("lu: ") and sorted(ast.literal_eval(listing[4:])) == ["__init__.py", "checks.py"]
    assert len(seen) >= 9
    assert {p: v for p, v in seen.items() if v != "refus"} == {}
    assert "SECRET" not in line
    assert cohort["results"]["snooper"]["score"] == 3.0


@pytest.fixture
def srv_repository() -> Iterator[Path]:
    """A repository under /srv (hidden wholesale by the old deny-list), ACADEMY_HOME=./var inside it."""
    if os.geteuid() != 0 or not Path("/srv").is_dir():
        pytest.skip("needs root and /srv")
    base = Path(tempfile.mkdtemp(prefix="academy-test-", dir="/srv"))
    repo = base / "repo"
    for package in ("graders", "datasets_synthetic"):
        shutil.copytree(PROJECT_ROOT / package, repo / package, ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "courses").mkdir()
    for name in ("__init__.py", "checks.py"):
        shutil.copy(PROJECT_ROOT / "courses" / name, repo / "courses" / name)
    secrets = {
        "courses/c01/source/a01/a01.ipynb": "SECRET_SOURCE",
        "var/grading/c01/gradebook.db": "SECRET_GRADEBOOK",
        "var/grading/c01/submitted/bob/a01/a01.ipynb": "SECRET_OTHER_LEARNER",
        "var/exchange/c01/inbound/bob+a01+1/a01.ipynb": "SECRET_EXCHANGE",
        "var/hub/grader_token": "SECRET_TOKEN",
        "var/datasets/demo/membres.csv": "id\n1\n",
    }
    for rel, content in secrets.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(content)
    os.chmod(base, 0o755)
    try:
        yield repo
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_repository_under_a_hidden_directory_keeps_var_hidden(srv_repository: Path) -> None:
    """The platform directory inside a repository under /srv stays invisible; its datasets and packages do not."""
    var = srv_repository / "var"
    probes = [
        str(p)
        for p in (
            srv_repository / "courses/c01/source/a01/a01.ipynb",
            var / "grading/c01/gradebook.db",
            var / "grading/c01/submitted/bob/a01/a01.ipynb",
            var / "exchange/c01/inbound/bob+a01+1/a01.ipynb",
            var / "hub/grader_token",
        )
    ]
    code = (
        "import json, courses.checks\nseen = {}\n"
        f"for p in {probes!r}:\n"
        "    try:\n        seen[p] = open(p).read()\n    except OSError as exc:\n        seen[p] = type(exc).__name__\n"
        "print(json.dumps(seen))\n"
        f"print(open({str(var / 'datasets/demo/membres.csv')!r}).read().split()[0], courses.checks.__file__)"
    )
    limits = SandboxLimits(cell_timeout_s=10, total_timeout_s=60)
    with SandboxPool(
        workers=1,
        limits=limits,
        datasets=var / "datasets" / "demo",
        hidden=[var / "grading", var / "exchange", var],
        project_root=srv_repository,
    ) as pool:
        result = pool.run(Job(cells=[{"index": 0, "segments": [{"source": code, "hidden": False}]}]))
    assert result.status == "completed", result.error
    assert result.isolation["filesystem"] == "private-read-only"
    lines = result.records[0]["outputs"][0]["text"].splitlines()
    assert json.loads(lines[0]) == {p: "FileNotFoundError" for p in probes}
    assert lines[1] == f"id {srv_repository}/courses/checks.py"


def test_masks_and_binds_apply_in_depth_order(tmp_path: Path) -> None:
    """A hidden tree inside a bound one is masked, and an allowed tree inside a masked one is bound back after."""
    root = tmp_path / "home"
    (root / "net" / "dev").mkdir(parents=True)
    plan = RootPlan(
        workdir=Path("/nonexistent"),
        workdir_bytes=1,
        readable=[root, root / "net" / "dev"],
        hidden=[root / "net"],
    )
    assert _operations(plan) == [("bind", root), ("mask", root / "net"), ("bind", root / "net" / "dev")]
