"""`python -m gostaking …` runs the command-line interface."""

from gostaking.cli.main import app

app(prog_name="gostaking")
