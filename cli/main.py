"""Entry point of the ``expandermask`` console script: the group with every command registered."""

from expandermask.cli import (  # noqa: F401  (register the commands)
    bundle_commands,
    finetune_commands,
    lps_commands,
    mask_commands,
)
from expandermask.cli.app import main

__all__ = ["main"]
