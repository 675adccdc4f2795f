"""The `academy` command: one Typer app whose sub-command groups live next to the code they drive.

The hub is the top of the dependency graph (it launches everything), so the root command lives here; each
part exposes its own `cli.app` and nothing below imports `hub`.
"""

import typer

from datasets_synthetic.cli import app as data_app
from graders.cli import app as grade_app
from hub.prestart import app as hub_app
from hub.up import up
from progress_api.cli import app as api_app

app = typer.Typer(
    name="academy",
    help="Académie: the Data & AI Academy's learning platform.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(data_app, name="data", help="Generate and inspect the synthetic health-insurance datasets.")
app.add_typer(api_app, name="api", help="Run and administer the progress service.")
app.add_typer(grade_app, name="grade", help="Release, collect, autograde and publish assignments.")
app.add_typer(hub_app, name="hub", help="Operate the running hub (e.g. prestart a cohort's servers).")
app.command("up")(up)
