"""The ``expandermask`` command-line application (installed as ``expandermask.cli``)."""

from expandermask.cli.main import main

__all__ = ["main"]
