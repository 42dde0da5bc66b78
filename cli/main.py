"""Entry point of the ``expandermask`` console script: the group with every command registered."""

from expandermask.cli import bundle_commands, lps_commands, mask_commands  # noqa: F401  (register commands)
from expandermask.cli.app import main

__all__ = ["main"]
