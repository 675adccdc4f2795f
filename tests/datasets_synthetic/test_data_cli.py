"""`academy data generate`: writes a dataset, refuses bad input with exit status 2 and a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from datasets_synthetic.cli import app

runner = CliRunner()


def test_generate_writes_a_dataset_with_its_dictionary(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["generate", "--out", str(out), "--members", "1000", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").exists() and (out / "DICTIONNAIRE.md").exists()
    assert (out / "claims" / "part-00000.parquet").exists()


def test_unknown_format_and_non_empty_directory_exit_with_a_message(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "x"), "--format", "xlsx"])
    assert result.exit_code == 2 and "unknown format" in result.output
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "f").write_text("")
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "full"), "--members", "1000"])
    assert result.exit_code == 2 and "--force" in result.output


def test_verify_accepts_an_intact_dataset_and_names_an_altered_file(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert runner.invoke(app, ["generate", "--out", str(out), "--members", "1000"]).exit_code == 0
    result = runner.invoke(app, ["verify", "--root", str(out)])
    assert result.exit_code == 0, result.output
    (out / "emails" / "part-00000.parquet").write_bytes(b"tampered")
    result = runner.invoke(app, ["verify", "--root", str(out)])
    assert result.exit_code == 1 and "emails/part-00000.parquet" in result.output
    result = runner.invoke(app, ["verify", "--root", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "academy data generate" in result.output


def test_force_from_a_repository_root_exits_with_a_message_and_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`academy data generate --out . --force` in a directory that is not one of our datasets is refused."""
    (tmp_path / "README.md").write_text("my project")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("print('hi')")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["generate", "--out", ".", "--force", "--members", "1000"])
    assert result.exit_code == 2 and "not a dataset written by this generator" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "src"]
    assert (tmp_path / "src" / "main.py").read_text() == "print('hi')"


def test_a_size_beyond_the_identifier_formats_exits_with_the_limit_not_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "--out", str(tmp_path / "big"), "--members", "30000000"])
    assert result.exit_code == 2 and "5-digit serials" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
