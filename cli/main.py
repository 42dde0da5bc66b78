"""Entry point of the ``expandermask`` console script: the group with every command registered."""

from expandermask.cli import mask_commands  # noqa: F401  (registers generate/verify/info)
from expandermask.cli.app import main

__all__ = ["main"]
