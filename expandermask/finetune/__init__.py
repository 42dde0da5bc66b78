"""Bundled GLUE fine-tune: XoRA, LoRA, random-mask and full fine-tuning of encoder classifiers.

Needs the ``[finetune]`` extra. Run ``expandermask finetune --help`` or
``python -m expandermask.finetune --help``.
"""

from expandermask.finetune.runner import METHODS, FinetuneConfig, run_finetune
from expandermask.finetune.tasks import TASKS, get_task

__all__ = ["METHODS", "TASKS", "FinetuneConfig", "get_task", "run_finetune"]
