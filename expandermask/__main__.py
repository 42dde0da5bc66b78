"""``python -m expandermask`` runs the command-line application."""

from expandermask.cli.main import main

main(prog_name="expandermask")
