"""Interoperability with Hugging Face peft, both ways.

* :func:`export_peft_adapter`: a XoRA model -> a standard peft LoRA adapter directory
  (``adapter_config.json`` + ``adapter_model.safetensors``, dense A/B with exact zeros)
  that stock ``PeftModel.from_pretrained(base, dir)`` loads with identical outputs.
* :func:`mask_peft_model`: an existing peft LoRA model -> XoRA training: masked entries
  are zeroed and their gradients kept at zero, so Adam(W) never moves them.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping

import scipy.sparse as sp
import torch
from torch import nn

from expandermask.bundle import MaskBundle, load_bundle
from expandermask.torch.model import _resolve, _save_roots, xora_layers


def _unwrap(model: nn.Module) -> nn.Module:
    """A deep copy of the model with every XoRALinear replaced by its (unmerged) base layer."""
    plain = copy.deepcopy(model)
    for name, layer in list(xora_layers(plain)):
        if layer.merged:
            layer.unmerge()
        parent_name, _, child = name.rpartition(".")
        parent = plain.get_submodule(parent_name) if parent_name else plain
        setattr(parent, child, layer.base)
    return plain


def export_peft_adapter(
    model: nn.Module, directory: str | os.PathLike, task_type: str | None = "SEQ_CLS"
) -> None:
    """Write a XoRA model as a peft LoRA adapter (dense factors, exact zeros off the masks).

    Uses peft itself (``get_peft_model`` on a copy of the base model, then
    ``save_pretrained``), so the directory is exactly what peft writes.
    """
    from peft import LoraConfig, get_peft_model
    from peft.tuners.lora import LoraLayer

    if not hasattr(model, "xora_config"):
        raise ValueError("model has no XoRA layers (call apply_xora first)")
    config = model.xora_config
    layers = dict(xora_layers(model))
    plain = _unwrap(model)
    lora_config = LoraConfig(
        r=config["r"],
        lora_alpha=config["alpha"],
        lora_dropout=config["dropout"],
        target_modules=list(layers),
        modules_to_save=_save_roots(model, config["modules_to_save"]) or None,
        task_type=task_type,
        bias="none",
    )
    peft_model = get_peft_model(plain, lora_config)
    with torch.no_grad():
        for name, module in peft_model.base_model.model.named_modules():
            if name in layers and isinstance(module, LoraLayer):
                layer = layers[name]
                module.lora_A["default"].weight.copy_(layer.lora_A())
                module.lora_B["default"].weight.copy_(layer.lora_B())
        for root in _save_roots(model, config["modules_to_save"]):
            wrapper = peft_model.base_model.model.get_submodule(root)
            target = getattr(wrapper, "modules_to_save", None)
            target = target["default"] if target is not None else wrapper
            target.load_state_dict(model.get_submodule(root).state_dict())
    peft_model.save_pretrained(str(directory))


def mask_peft_model(
    peft_model: nn.Module,
    masks: MaskBundle | str | os.PathLike | Mapping[str, tuple[sp.sparray, sp.sparray]],
    adapter_name: str = "default",
) -> nn.Module:
    """Turn a peft LoRA model into XoRA training: zero off-mask entries, keep their grads zero.

    Works with peft's ``get_peft_model`` and the transformers ``Trainer`` unchanged. Off-mask
    entries stay exactly zero under SGD/Adam/AdamW (with weight decay), because their
    gradient and their value are both zero.

    Raises
    ------
    ValueError
        If a LoRA layer has no matching mask or a mask has the wrong shape.
    """
    from peft.tuners.lora import LoraLayer

    if isinstance(masks, (str, os.PathLike)):
        masks = load_bundle(masks)
    pairs = {m: masks.pair(m) for m in masks.modules} if isinstance(masks, MaskBundle) else dict(masks)
    found = 0
    for name, module in peft_model.named_modules():
        if not isinstance(module, LoraLayer) or adapter_name not in module.lora_A:
            continue
        key = _resolve(list(pairs), name.removeprefix("base_model.model."))
        if key is None:
            raise ValueError(f"no mask for LoRA layer {name!r}")
        for part, mask in zip(("lora_A", "lora_B"), pairs[key], strict=True):
            weight = getattr(module, part)[adapter_name].weight
            if tuple(mask.shape) != tuple(weight.shape):
                raise ValueError(f"{name}.{part}: mask {tuple(mask.shape)} != weight {tuple(weight.shape)}")
            keep = torch.as_tensor(sp.csr_array(mask).toarray() != 0, device=weight.device)
            with torch.no_grad():
                weight.mul_(keep)
            weight.register_hook(lambda grad, keep=keep: grad * keep)
        found += 1
    if not found:
        raise ValueError(f"no LoRA layers with adapter {adapter_name!r} in the model")
    return peft_model


__all__ = ["export_peft_adapter", "mask_peft_model"]
