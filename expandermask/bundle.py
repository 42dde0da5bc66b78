"""Model mask bundles: one verified (lora_A, lora_B) mask pair per target linear layer.

For a linear layer ``W: out x in`` at rank ``r``, XoRA trains ``B (out x r)`` and
``A (r x in)``. The masks are two independent graphs, as in the paper:

* ``lora_B``: an ``out x r`` (dL, out*dL/r)-biregular graph (``dL`` ones per row);
* ``lora_A``: the transpose of an ``in x r`` (dL, in*dL/r)-biregular graph, so
  ``A`` has ``in*dL/r`` ones per row and ``dL`` per column.

A bundle file is one ``.npz`` holding, for every mask ``<module>.lora_A`` /
``<module>.lora_B``, the CSR members ``<name>/indices`` and ``<name>/indptr``
(entries are all ones), plus a ``meta`` JSON: ``format`` ``"expandermask.bundle"``,
rank, dl, method, seed, and per module the layer sizes and both masks'
shapes, degrees and verification reports. No torch needed.

Examples
--------
>>> shapes = preset_shapes("roberta-base", ["query", "value"])
>>> len(shapes), shapes[0]
(24, LinearShape(name='roberta.encoder.layer.0.attention.self.query', in_features=768, out_features=768))
>>> bundle = build_bundle(shapes[:2], rank=8, dl=2, seed=0)
>>> bundle.masks["roberta.encoder.layer.0.attention.self.query.lora_A"].shape
(8, 768)
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from expandermask._version import __version__
from expandermask.exceptions import MaskFileError
from expandermask.generate import generate_mask
from expandermask.graph import MASK_DTYPE
from expandermask.io import FORMAT_VERSION, parse_meta, read_npz_members, write_npz_atomic

BUNDLE_FORMAT = "expandermask.bundle"


class LinearShape(NamedTuple):
    """A target linear layer: module path and sizes."""

    name: str
    in_features: int
    out_features: int


def _encoder(prefix: str, layers: int, hidden: int, intermediate: int) -> dict[str, tuple[int, int]]:
    table = {}
    for i in range(layers):
        base = f"{prefix}.encoder.layer.{i}"
        for short in ("query", "key", "value"):
            table[f"{base}.attention.self.{short}"] = (hidden, hidden)
        table[f"{base}.attention.output.dense"] = (hidden, hidden)
        table[f"{base}.intermediate.dense"] = (hidden, intermediate)
        table[f"{base}.output.dense"] = (intermediate, hidden)
    return table


def _decoder(layers: int, hidden: int, intermediate: int, kv: int) -> dict[str, tuple[int, int]]:
    table = {}
    for i in range(layers):
        base = f"model.layers.{i}"
        table[f"{base}.self_attn.q_proj"] = (hidden, hidden)
        table[f"{base}.self_attn.k_proj"] = (hidden, kv)
        table[f"{base}.self_attn.v_proj"] = (hidden, kv)
        table[f"{base}.self_attn.o_proj"] = (hidden, hidden)
        table[f"{base}.mlp.gate_proj"] = (hidden, intermediate)
        table[f"{base}.mlp.up_proj"] = (hidden, intermediate)
        table[f"{base}.mlp.down_proj"] = (intermediate, hidden)
    return table


#: Built-in shape tables: module path -> (in_features, out_features), as in Hugging Face models.
PRESETS: dict[str, Callable[[], dict[str, tuple[int, int]]]] = {
    "roberta-base": lambda: _encoder("roberta", 12, 768, 3072),
    "roberta-large": lambda: _encoder("roberta", 24, 1024, 4096),
    "bert-base": lambda: _encoder("bert", 12, 768, 3072),
    "llama-3-8b": lambda: _decoder(32, 4096, 14336, 1024),
    "mistral-7b": lambda: _decoder(32, 4096, 14336, 1024),
    "llama-2-7b": lambda: _decoder(32, 4096, 11008, 4096),
}


def matches_target(name: str, targets: Iterable[str]) -> bool:
    """peft's rule: a module matches a target if its path equals it or ends with ``.target``."""
    return any(name == t or name.endswith("." + t) for t in targets)


def preset_shapes(preset: str, targets: Sequence[str]) -> list[LinearShape]:
    """Target layers of a built-in preset (see :data:`PRESETS`), in model order."""
    key = preset.lower()
    if key not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    shapes = [LinearShape(n, i, o) for n, (i, o) in PRESETS[key]().items() if matches_target(n, targets)]
    if not shapes:
        raise ValueError(f"no module of preset {preset!r} matches targets {', '.join(targets)}")
    return shapes


def model_shapes(model_name_or_path: str, targets: Sequence[str]) -> list[LinearShape]:
    """Target layers of a transformers model, read from its config (no weights loaded).

    The model is instantiated on torch's ``meta`` device, so this is fast and
    needs no memory; hub names work when online, local folders always.
    """
    try:
        import torch
        import transformers
    except ImportError:
        raise ValueError(
            "--model needs torch and transformers: pip install 'expandermask[finetune]'"
        ) from None
    try:
        config = transformers.AutoConfig.from_pretrained(model_name_or_path)
    except (OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"cannot read a model config from {model_name_or_path!r}: {first}") from None
    architectures = getattr(config, "architectures", None) or []
    model_class = getattr(transformers, architectures[0], None) if architectures else None
    with torch.device("meta"):
        model = model_class(config) if model_class is not None else transformers.AutoModel.from_config(config)
    shapes = [
        LinearShape(name, module.in_features, module.out_features)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and matches_target(name, targets)
    ]
    if not shapes:
        raise ValueError(f"no linear layer of {model_name_or_path!r} matches targets {', '.join(targets)}")
    return shapes


@dataclass
class MaskBundle:
    """Masks by name (``<module>.lora_A`` / ``.lora_B``, 0/1 CSR) and the bundle's metadata."""

    masks: dict[str, sp.csr_array]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def modules(self) -> list[str]:
        """Module paths covered, in bundle order."""
        return list(self.meta.get("modules", {}))

    def pair(self, module: str) -> tuple[sp.csr_array, sp.csr_array]:
        """``(lora_A mask (r x in), lora_B mask (out x r))`` of one module."""
        try:
            return self.masks[f"{module}.lora_A"], self.masks[f"{module}.lora_B"]
        except KeyError:
            raise ValueError(f"mask bundle has no masks for module {module!r}") from None


def build_bundle(
    shapes: Sequence[LinearShape],
    *,
    rank: int,
    dl: int,
    method: str = "random",
    seed: int = 0,
    max_tries: int = 50,
    progress: Callable[[int], None] | None = None,
) -> MaskBundle:
    """Generate and verify a (lora_A, lora_B) mask pair for every layer.

    Masks are drawn in layer order from one generator seeded with ``seed``, so
    the same arguments give the same bundle; every mask is an independent graph.

    Raises
    ------
    ValueError
        If a layer size is not compatible with ``rank`` and ``dl`` (the message
        names the module).
    """
    rng = np.random.default_rng(seed)
    masks: dict[str, sp.csr_array] = {}
    modules: dict[str, Any] = {}
    for shape in shapes:
        entry: dict[str, Any] = {"in_features": shape.in_features, "out_features": shape.out_features}
        for part, rows in (("lora_A", shape.in_features), ("lora_B", shape.out_features)):
            try:
                graph = generate_mask(rows, rank, dl, method=method, seed=rng, max_tries=max_tries)
            except (ValueError, RuntimeError) as error:
                raise type(error)(f"{shape.name}.{part}: {error}") from None
            matrix = graph.biadjacency.T.tocsr() if part == "lora_A" else graph.biadjacency
            matrix.sort_indices()
            masks[f"{shape.name}.{part}"] = matrix
            entry[part] = {
                "shape": list(matrix.shape),
                "graph_degrees": list(graph.degrees),
                "report": graph.report.to_dict(),
            }
            if progress is not None:
                progress(1)
        modules[shape.name] = entry
    meta = {
        "format": BUNDLE_FORMAT,
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "rank": rank,
        "dl": dl,
        "method": method,
        "seed": seed,
        "modules": modules,
    }
    return MaskBundle(masks, meta)


def save_bundle(path: str | os.PathLike, bundle: MaskBundle) -> None:
    """Write a bundle atomically (same bundle, same bytes)."""
    members: dict[str, np.ndarray] = {}
    for name, matrix in bundle.masks.items():
        members[f"{name}/shape"] = np.array(matrix.shape, dtype=np.int64)
        smallest = np.min_scalar_type(max(matrix.shape[1] - 1, 0))  # uint8 for rank <= 256 columns
        members[f"{name}/indices"] = np.asarray(matrix.indices, dtype=smallest)
        members[f"{name}/indptr"] = np.asarray(matrix.indptr, dtype=np.int64)
    members["meta"] = np.array(json.dumps(bundle.meta, sort_keys=True))
    write_npz_atomic(path, members, compresslevel=1)


def load_bundle(path: str | os.PathLike) -> MaskBundle:
    """Read a bundle written by :func:`save_bundle`, validating every mask against ``meta``.

    Raises
    ------
    MaskFileError
        Unreadable file, missing members, or masks inconsistent with ``meta``.
    """
    where = str(path)
    members = read_npz_members(path)
    meta = parse_meta(members, where)
    if meta.get("format") != BUNDLE_FORMAT:
        raise MaskFileError(f"{where}: not a mask bundle (format {meta.get('format')!r})")
    masks = {}
    rank = meta.get("rank")
    for module, entry in (meta.get("modules") or {}).items():
        for part in ("lora_A", "lora_B"):
            name = f"{module}.{part}"
            try:
                shape = tuple(int(v) for v in members[f"{name}/shape"])
                indices, indptr = members[f"{name}/indices"], members[f"{name}/indptr"]
            except KeyError:
                raise MaskFileError(f"{where}: missing members of mask {name}") from None
            expected = (rank, entry["in_features"]) if part == "lora_A" else (entry["out_features"], rank)
            if shape != expected or indptr.size != shape[0] + 1 or indptr[-1] != indices.size:
                raise MaskFileError(f"{where}: mask {name} has shape {shape}, expected {expected}")
            if indices.size and (indices.min() < 0 or indices.max() >= shape[1]):
                raise MaskFileError(f"{where}: mask {name} has column indices out of range")
            masks[name] = sp.csr_array(
                (np.ones(indices.size, dtype=MASK_DTYPE), indices.astype(np.int32), indptr.astype(np.int64)),
                shape=shape,
            )
    if not masks:
        raise MaskFileError(f"{where}: bundle holds no masks")
    return MaskBundle(masks, meta)
