"""``python -m expandermask.finetune`` (same as ``expandermask finetune``)."""

from expandermask.cli.app import ExpanderGroup
from expandermask.cli.finetune_commands import finetune

if __name__ == "__main__":
    group = ExpanderGroup(commands={"finetune": finetune})
    import sys

    group.main(["finetune", *sys.argv[1:]], prog_name="python -m expandermask.finetune")
