"""Reproducibility, chunking and bad input: same seed same bytes, clear errors, never a half-written dataset."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path

import pandas as pd
import pytest

from datasets_synthetic import DatasetError, generate, generator, load, writer


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files_whatever_the_worker_count(chunked_dataset: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(out=again, members=2500, seed=11, year=2025, chunk_members=1000, workers=1)
    assert file_bytes(again) == file_bytes(chunked_dataset)


def test_another_seed_gives_other_data(chunked_dataset: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(out=other, members=2500, seed=12, year=2025, chunk_members=1000, workers=1)
    assert (
        file_bytes(other)["beneficiaries/part-00000.parquet"]
        != file_bytes(chunked_dataset)["beneficiaries/part-00000.parquet"]
    )


def test_chunks_write_one_part_each_with_ids_unique_across_chunks(chunked_dataset: Path) -> None:
    manifest = json.loads((chunked_dataset / "manifest.json").read_text())
    assert manifest["tables"]["claims"]["parts"] == 3
    assert manifest["tables"]["employers"]["parts"] == 1
    people = load("beneficiaries", root=chunked_dataset)
    assert len(people) == 2500 and people.beneficiary_id.is_unique and people.nir.is_unique
    for table, key in (("claims", "claim_id"), ("contracts", "contract_id"), ("emails", "email_id")):
        assert load(table, root=chunked_dataset, columns=[key])[key].is_unique


def test_manifest_records_parameters_row_counts_and_checksums(chunked_dataset: Path) -> None:
    manifest = json.loads((chunked_dataset / "manifest.json").read_text())
    assert manifest["version"] == generator.VERSION, "the generator's output version"
    assert manifest["package_version"] == importlib.metadata.version("academie"), "the distribution's version"
    assert manifest["parameters"]["seed"] == 11 and manifest["parameters"]["members"] == 2500
    assert manifest["tables"]["beneficiaries"]["rows"] == 2500
    for relative, digest in manifest["files"].items():
        assert writer.sha256(chunked_dataset / relative) == digest
    assert "DICTIONNAIRE.md" in manifest["files"], "the dictionary is checksummed like the tables"
    assert set(manifest["data_files"]) >= {"claims.yaml", "tariffs.csv"}
    assert "generated_at" not in json.dumps(manifest)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"members": -5}, "positive"),
        ({"members": 0}, "positive"),
        ({"members": 10**9}, "absurd"),
        ({"members": 2.5}, "positive"),
        ({"fmt": "xlsx"}, "unknown format"),
        ({"year": 1990}, "year"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_parameters_get_a_clear_error_and_write_nothing(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    out = tmp_path / "data"
    with pytest.raises(DatasetError, match=message):
        generate(out=out, **{"members": 1000, **arguments})  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def test_a_non_empty_directory_is_refused_without_force_and_left_untouched(tmp_path: Path) -> None:
    out = tmp_path / "data"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(DatasetError, match="--force"):
        generate(out=out, members=1000)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under `root` with its bytes (None for directories): to show nothing was touched."""
    return {str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def test_force_refuses_a_directory_this_generator_did_not_write_and_touches_nothing(tmp_path: Path) -> None:
    """`--out . --force` from a repository must not delete it: no manifest of ours, no replacement."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[project]\n")
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = tree(repo)
    with pytest.raises(DatasetError, match=r"not a dataset written by this generator.*no readable manifest\.json"):
        generate(out=repo, members=1000, force=True)
    assert tree(repo) == before
    (repo / "manifest.json").write_text(json.dumps({"generator": "another-tool", "files": {}}))
    with pytest.raises(DatasetError, match="was not written by datasets_synthetic"):
        generate(out=repo, members=1000, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo"], "no temporary directory left behind"


def test_force_replaces_our_own_dataset_but_not_files_a_user_added_to_it(tmp_path: Path) -> None:
    out = tmp_path / "data"
    generate(out=out, members=1000, seed=1)
    generate(out=out, members=1000, seed=2, force=True)
    assert json.loads((out / "manifest.json").read_text())["parameters"]["seed"] == 2
    (out / "claims" / "my-analysis.csv").write_text("keep me")
    before = tree(out)
    with pytest.raises(DatasetError, match=r"claims/my-analysis\.csv, which its manifest.json does not list"):
        generate(out=out, members=1000, seed=3, force=True)
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_force_accepts_an_empty_directory(tmp_path: Path) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    generate(out=out, members=1000, force=True)
    assert generator.verify(out) == []


def test_a_file_added_while_generating_is_not_deleted_by_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The target is checked again just before the swap: what a user saved there meanwhile survives."""
    out = tmp_path / "data"
    generate(out=out, members=1000, seed=1)
    real = generator.write_part

    def meanwhile(*args, **kwargs):  # type: ignore[no-untyped-def]
        (out / "notes.txt").write_text("written during the run")
        return real(*args, **kwargs)

    monkeypatch.setattr(generator, "write_part", meanwhile)
    with pytest.raises(DatasetError, match=r"notes\.txt"):
        generate(out=out, members=1000, seed=2, force=True, workers=1)
    assert (out / "notes.txt").read_text() == "written during the run"
    assert generator.verify(out) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_an_unwritable_output_gets_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(DatasetError, match="writable"):
        generate(out=blocker / "data", members=1000)
    with pytest.raises(DatasetError, match="not a directory"):
        generate(out=blocker, members=1000, force=True)


def test_a_failure_midway_leaves_the_previous_dataset_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "data"
    generate(out=out, members=1000, seed=1)
    before = file_bytes(out)
    calls = {"n": 0}
    real = generator.write_part

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(generator, "write_part", failing)
    with pytest.raises(OSError, match="disk full"):
        generate(out=out, members=1000, seed=2, force=True, workers=1)
    assert file_bytes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_csv_format_loads_to_the_same_frames_as_parquet(tmp_path: Path) -> None:
    generate(out=tmp_path / "p", members=1000, seed=3)
    generate(out=tmp_path / "c", members=1000, seed=3, fmt="csv")
    assert (tmp_path / "c" / "claims" / "part-00000.csv").exists()
    for table in ("beneficiaries", "claims", "contracts", "emails"):
        parquet = load(table, root=tmp_path / "p")
        csv = load(table, root=tmp_path / "c")
        pd.testing.assert_frame_equal(parquet, csv, check_dtype=False)


PEAK_RSS = """
import resource, sys
from datasets_synthetic import generate
generate(out=sys.argv[1], members=int(sys.argv[2]), seed=1, chunk_members=1000, workers=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_memory_is_bounded_by_the_chunk_not_by_the_member_count(tmp_path: Path) -> None:
    """Six times more members (six chunks instead of one) must not need noticeably more memory."""
    import subprocess
    import sys

    def peak_kib(members: int) -> int:
        out = tmp_path / f"m{members}"
        result = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, str(out), str(members)], capture_output=True, text=True, check=True
        )
        return int(result.stdout.strip().splitlines()[-1])

    small, large = peak_kib(1000), peak_kib(6000)
    assert large < small * 1.15 + 20_000, (small, large)


def test_a_one_person_dataset_is_complete_and_sane(tmp_path: Path) -> None:
    """The smallest valid size still writes every table, and fraud does not swamp one person's care."""
    manifest = generate(out=tmp_path / "one", members=1, seed=1)
    assert manifest.rows("beneficiaries") == 1
    for table in manifest.tables:
        assert (tmp_path / "one" / table / "part-00000.parquet").exists()
        load(table, root=tmp_path / "one")
    assert manifest.rows("claims") < 100
