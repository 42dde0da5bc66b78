"""``python -m expandermask.cli``."""

from expandermask.cli.main import main

main(prog_name="expandermask")
