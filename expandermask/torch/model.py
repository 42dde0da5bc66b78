"""Injecting XoRA layers into a model, counting what trains, saving and loading adapters."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import torch
from torch import nn

from expandermask.bundle import LinearShape, MaskBundle, build_bundle, load_bundle, matches_target
from expandermask.torch.layer import XoRALinear

ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_CONFIG = "xora_config.json"

MaskSource = MaskBundle | str | os.PathLike | Mapping[str, tuple[sp.sparray, sp.sparray]] | None


def xora_layers(model: nn.Module) -> Iterator[tuple[str, XoRALinear]]:
    """``(name, layer)`` for every :class:`XoRALinear` in ``model``."""
    for name, module in model.named_modules():
        if isinstance(module, XoRALinear):
            yield name, module


def _set_submodule(model: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, module)


def _resolve(bundle_names: Sequence[str], module_name: str) -> str | None:
    """Bundle entry for a model module: the same path, or the one path that is a suffix of the other."""
    if module_name in bundle_names:
        return module_name
    found = [n for n in bundle_names if module_name.endswith("." + n) or n.endswith("." + module_name)]
    return found[0] if len(found) == 1 else None


def _as_pairs(
    masks: MaskSource, targets: list[tuple[str, nn.Linear]], r: int, dl: int, seed: int, method: str
) -> dict[str, tuple[sp.sparray, sp.sparray]]:
    if masks is None:
        shapes = [LinearShape(n, m.in_features, m.out_features) for n, m in targets]
        masks = build_bundle(shapes, rank=r, dl=dl, method=method, seed=seed)
    if isinstance(masks, (str, os.PathLike)):
        masks = load_bundle(masks)
    if isinstance(masks, MaskBundle):
        bundle_rank = masks.meta.get("rank")
        if bundle_rank is not None and bundle_rank != r:
            raise ValueError(f"mask bundle has rank {bundle_rank}, but r={r} was asked")
        pairs = {m: masks.pair(m) for m in masks.modules}
    else:
        pairs = dict(masks)
    resolved = {}
    for name, linear in targets:
        key = _resolve(list(pairs), name)
        if key is None:
            raise ValueError(f"mask bundle has no masks for module {name!r}")
        mask_a, mask_b = pairs[key]
        if mask_a.shape[0] != r or mask_b.shape[1] != r:
            raise ValueError(f"{name}: masks have rank {mask_a.shape[0]}, expected r={r}")
        if mask_a.shape != (r, linear.in_features) or mask_b.shape != (linear.out_features, r):
            raise ValueError(
                f"{name}: masks {tuple(mask_a.shape)}/{tuple(mask_b.shape)} do not fit a"
                f" {linear.in_features}->{linear.out_features} layer at r={r}"
            )
        resolved[name] = (mask_a, mask_b)
    return resolved


def apply_xora(
    model: nn.Module,
    target_modules: Sequence[str] = ("query", "value"),
    r: int = 8,
    alpha: float = 8.0,
    dl: int = 2,
    masks: MaskSource = None,
    seed: int = 0,
    dropout: float = 0.0,
    modules_to_save: Sequence[str] = ("classifier",),
    method: str = "random",
    init_scale: str = "lora",
) -> nn.Module:
    """Replace the target linear layers by :class:`XoRALinear` and freeze everything else.

    Parameters
    ----------
    model : torch.nn.Module
        Modified in place and returned.
    target_modules : sequence of str
        Module paths or their last components (peft's matching rule).
    r, alpha, dl : int, float, int
        Rank, LoRA alpha, left degree of the mask graphs (ones per row of ``B``,
        per column of ``A``).
    masks : MaskBundle, path, dict or None
        A bundle from ``expandermask model-masks`` / :func:`build_bundle`, its file, or
        ``{module: (mask_A, mask_B)}``; ``None`` generates verified masks with ``seed``
        (the same bundle ``model-masks`` writes for the same shapes and seed).
    dropout : float
        LoRA dropout.
    modules_to_save : sequence of str
        Modules trained in full (the task head), matched like targets.
    method : str
        Mask construction when generating.
    init_scale : {"lora", "density"}
        See :class:`XoRALinear`.

    Raises
    ------
    ValueError
        No target found, or a bundle that lacks a module, has another shape or
        another rank (the message names the module).
    """
    saved = _save_roots(model, modules_to_save)
    targets = [
        (name, module)
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear)
        and matches_target(name, target_modules)
        and not any(name == s or name.startswith(s + ".") for s in saved)
    ]
    if not targets:
        raise ValueError(f"no nn.Linear module matches target_modules {list(target_modules)}")
    pairs = _as_pairs(masks, targets, r, dl, seed, method)
    for p in model.parameters():
        p.requires_grad_(False)
    for name, linear in targets:
        mask_a, mask_b = pairs[name]
        layer = XoRALinear(linear, mask_a, mask_b, alpha=alpha, dropout=dropout, init_scale=init_scale)
        _set_submodule(model, name, layer)
    for root in saved:
        for p in model.get_submodule(root).parameters():
            p.requires_grad_(True)
    model.xora_config = {
        "r": r,
        "alpha": alpha,
        "dl": dl,
        "seed": seed,
        "dropout": dropout,
        "method": method,
        "init_scale": init_scale,
        "target_modules": list(target_modules),
        "modules_to_save": list(modules_to_save),
        "modules": [n for n, _ in targets],
    }
    return model


def _save_roots(model: nn.Module, modules_to_save: Sequence[str]) -> list[str]:
    """Top-most modules matching ``modules_to_save``."""
    names = [n for n, _ in model.named_modules() if n and matches_target(n, modules_to_save)]
    return [n for n in names if not any(n.startswith(o + ".") for o in names)]


def xora_summary(model: nn.Module) -> dict[str, int]:
    """Adapter entries (nonzeros), the dense-LoRA equivalent and the head, counted separately.

    Also printable: ``print(format_summary(xora_summary(model)))``.
    """
    adapter = dense = 0
    for _, layer in xora_layers(model):
        adapter += layer.lora_A_values.numel() + layer.lora_B_values.numel()
        dense += layer.rank * (layer.in_features + layer.out_features)
    adapter_ids = {
        id(p) for _, layer in xora_layers(model) for p in (layer.lora_A_values, layer.lora_B_values)
    }
    head = sum(p.numel() for p in model.parameters() if p.requires_grad and id(p) not in adapter_ids)
    total = sum(p.numel() for p in model.parameters())
    return {
        "adapter_nonzeros": adapter,
        "dense_lora_equivalent": dense,
        "head": head,
        "trainable": adapter + head,
        "total": total,
    }


def format_summary(summary: Mapping[str, int]) -> str:
    """Human-readable lines of :func:`xora_summary`."""
    dense = summary["dense_lora_equivalent"]
    ratio = summary["adapter_nonzeros"] / dense if dense else 0.0
    return "\n".join(
        [
            f"adapter entries (nonzeros): {summary['adapter_nonzeros']:,}",
            f"dense LoRA equivalent:      {dense:,} ({ratio:.1%} kept)",
            f"head (modules_to_save):     {summary['head']:,}",
            f"trainable total:            {summary['trainable']:,} of {summary['total']:,}",
        ]
    )


def _trainable_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Packed adapter values, bit-packed masks and modules_to_save weights.

    A mask costs one bit per dense entry (``numpy.packbits`` of the 0/1 factor), so at
    25% density the file is ``0.25 + 1/32`` of a dense LoRA file in float32.
    """
    state = {}
    for name, layer in xora_layers(model):
        mask_a, mask_b = layer.masks()
        for key in ("lora_A_values", "lora_B_values"):
            state[f"{name}.{key}"] = getattr(layer, key).detach().contiguous().cpu()
        for key, mask in (("lora_A_mask_bits", mask_a), ("lora_B_mask_bits", mask_b)):
            state[f"{name}.{key}"] = torch.from_numpy(np.packbits(mask.cpu().numpy().ravel()))
    for root in _save_roots(model, model.xora_config["modules_to_save"]):
        for key, tensor in model.get_submodule(root).state_dict().items():
            state[f"{root}.{key}"] = tensor.detach().contiguous().cpu()
    return state


def save_xora(model: nn.Module, directory: str | os.PathLike) -> None:
    """Write ``adapter_model.safetensors`` (packed values, mask indices, head) and ``xora_config.json``."""
    from safetensors.torch import save_file

    if not hasattr(model, "xora_config"):
        raise ValueError("model has no XoRA layers (call apply_xora first)")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = dict(model.xora_config)
    config["shapes"] = {n: [layer.in_features, layer.out_features] for n, layer in xora_layers(model)}
    tmp = directory / f".{ADAPTER_WEIGHTS}.tmp"
    save_file(_trainable_state(model), str(tmp), metadata={"format": "expandermask.xora"})
    os.replace(tmp, directory / ADAPTER_WEIGHTS)
    (directory / f".{ADAPTER_CONFIG}.tmp").write_text(json.dumps(config, indent=2, sort_keys=True))
    os.replace(directory / f".{ADAPTER_CONFIG}.tmp", directory / ADAPTER_CONFIG)


def _masks_from_state(state: Mapping[str, torch.Tensor], config: Mapping[str, Any]) -> dict:
    r = config["r"]
    pairs = {}
    for name in config["modules"]:
        in_features, out_features = config["shapes"][name]
        masks = []
        for key, shape in (("lora_A_mask_bits", (r, in_features)), ("lora_B_mask_bits", (out_features, r))):
            try:
                bits = state[f"{name}.{key}"].numpy()
            except KeyError:
                raise ValueError(f"adapter file lacks {name}.{key}") from None
            dense = np.unpackbits(bits, count=shape[0] * shape[1]).reshape(shape)
            masks.append(sp.csr_array(dense))
        pairs[name] = tuple(masks)
    return pairs


def load_xora(base_model: nn.Module, directory: str | os.PathLike) -> nn.Module:
    """Restore a model saved by :func:`save_xora` on top of a fresh base model (exactly)."""
    from safetensors.torch import load_file

    directory = Path(directory)
    try:
        config = json.loads((directory / ADAPTER_CONFIG).read_text())
        state = load_file(str(directory / ADAPTER_WEIGHTS))
    except (OSError, ValueError) as error:
        raise ValueError(f"cannot read a XoRA adapter from {directory}: {error}") from None
    model = apply_xora(
        base_model,
        target_modules=config["modules"],
        r=config["r"],
        alpha=config["alpha"],
        dl=config["dl"],
        masks=_masks_from_state(state, config),
        seed=config["seed"],
        dropout=config["dropout"],
        modules_to_save=config["modules_to_save"],
        method=config["method"],
        init_scale=config["init_scale"],
    )
    model.xora_config["target_modules"] = config["target_modules"]
    state = {k: v for k, v in state.items() if not k.endswith("_mask_bits")}
    known = {*dict(model.named_parameters()), *dict(model.named_buffers())}
    missing = [k for k in state if k not in known]
    if missing:
        raise ValueError(f"adapter file has entries the model lacks: {missing[:3]}")
    with torch.no_grad():
        params = dict(model.named_parameters())
        buffers = dict(model.named_buffers())
        for key, tensor in state.items():
            target = params.get(key, buffers.get(key))
            if target.shape != tensor.shape:
                raise ValueError(f"{key}: saved shape {tuple(tensor.shape)} != model {tuple(target.shape)}")
            target.copy_(tensor.to(target.device, target.dtype))
    return model
