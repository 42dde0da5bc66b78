"""``python -m expandermask.finetune ARGS`` runs ``expandermask finetune ARGS``."""

import sys

from expandermask.cli.main import main

if __name__ == "__main__":
    main(["finetune", *sys.argv[1:]], prog_name="python -m expandermask")
