"""The paper's hyperparameters (XoRA follows the LoRA setup of Hu et al., 2022, Table 9).

RoBERTa-base: batch 16, max sequence length 512, r = 8, alpha = 8; RoBERTa-large: batch 4, max
sequence length 128, r = 8, alpha = 4 (as stated for XoRA). AdamW, linear schedule, warmup ratio 0.06.
Every value can be overridden by its command-line flag.
"""

from __future__ import annotations

from typing import Any

_BASE_EPOCHS = {"mnli": 30, "sst2": 60, "mrpc": 30, "cola": 80, "qnli": 25, "qqp": 25, "rte": 80, "stsb": 40}
_BASE_LR = {
    "mnli": 5e-4,
    "sst2": 5e-4,
    "mrpc": 4e-4,
    "cola": 4e-4,
    "qnli": 4e-4,
    "qqp": 5e-4,
    "rte": 5e-4,
    "stsb": 4e-4,
}
_LARGE_EPOCHS = {"mnli": 10, "sst2": 10, "mrpc": 20, "cola": 20, "qnli": 10, "qqp": 20, "rte": 20, "stsb": 10}
_LARGE_LR = {
    "mnli": 3e-4,
    "sst2": 4e-4,
    "mrpc": 3e-4,
    "cola": 2e-4,
    "qnli": 2e-4,
    "qqp": 3e-4,
    "rte": 4e-4,
    "stsb": 2e-4,
}

PRESETS = ("paper-base", "paper-large")


def preset_values(preset: str, task: str) -> dict[str, Any]:
    """Hyperparameters of ``paper-base`` or ``paper-large`` for one task."""
    if preset == "paper-base":
        return {
            "model": "roberta-base",
            "per_device_train_batch_size": 16,
            "max_seq_length": 512,
            "num_train_epochs": _BASE_EPOCHS[task],
            "learning_rate": _BASE_LR[task],
            "rank": 8,
            "alpha": 8.0,
            "warmup_ratio": 0.06,
        }
    if preset == "paper-large":
        return {
            "model": "roberta-large",
            "per_device_train_batch_size": 4,
            "max_seq_length": 128,
            "num_train_epochs": _LARGE_EPOCHS[task],
            "learning_rate": _LARGE_LR[task],
            "rank": 8,
            "alpha": 4.0,
            "warmup_ratio": 0.06,
        }
    raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
