"""`academy data generate`: writes a dataset, refuses bad input with exit status 2 and a message."""

from __future__ import annotations

from pathlib import Path

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
