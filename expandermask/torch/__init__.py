"""XoRA for PyTorch (optional extra ``expandermask[torch]``): layers, model injection, peft interop.

Nothing outside this subpackage imports torch.

Examples
--------
>>> import torch
>>> from transformers import RobertaConfig, RobertaForSequenceClassification
>>> from expandermask.torch import apply_xora, xora_summary
>>> config = RobertaConfig(vocab_size=100, hidden_size=64, num_hidden_layers=2,
...                        num_attention_heads=2, intermediate_size=128)
>>> model = apply_xora(RobertaForSequenceClassification(config), r=8, dl=2)
>>> xora_summary(model)["adapter_nonzeros"]  # 2 layers x 2 modules x (128 + 128)
1024
"""

from expandermask.torch.layer import ExpanderLinear, XoRALinear
from expandermask.torch.model import (
    apply_xora,
    format_summary,
    load_xora,
    save_xora,
    xora_layers,
    xora_summary,
)
from expandermask.torch.peft_interop import export_peft_adapter, mask_peft_model

__all__ = [
    "ExpanderLinear",
    "XoRALinear",
    "apply_xora",
    "export_peft_adapter",
    "format_summary",
    "load_xora",
    "mask_peft_model",
    "save_xora",
    "xora_layers",
    "xora_summary",
]
