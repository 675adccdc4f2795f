"""The `academy` root command mounts every part's command group."""

from typer.testing import CliRunner

from hub.cli import app


def test_root_help_lists_every_group() -> None:
    """Does `academy --help` show the data, api, grade and up commands?"""
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("data", "api", "grade", "up"):
        assert group in result.output
