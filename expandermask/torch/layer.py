"""XoRA layers: LoRA whose factors store and train only the entries an expander mask keeps.

``XoRALinear`` wraps a frozen ``nn.Linear``. The kept entries of ``A`` (r x in)
and ``B`` (out x r) are stored *packed*: parameters with exactly ``nnz``
elements, the mask positions as integer buffers. Parameter count, optimizer
state and checkpoints are therefore those of the nonzeros. The forward pass
scatters the packed values into the two small dense factors (``r x in`` and
``out x r``: cheap, exact, differentiable, no host synchronisation) and applies

    h = W x + (alpha / r) * B A dropout(x).

``ExpanderLinear`` is a linear layer whose weight itself is an expander mask.

References
----------
.. [1] E. J. Hu et al., "LoRA: Low-Rank Adaptation of Large Language Models", ICLR 2022.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from torch import nn

#: ``init_scale`` choices of :class:`XoRALinear`.
INIT_SCALES = ("lora", "density")


def _flat_indices(mask: sp.sparray) -> torch.Tensor:
    """Row-major flat positions of a CSR mask's nonzeros, as int64."""
    csr = sp.csr_array(mask)
    csr.sort_indices()
    rows = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    return torch.from_numpy(rows * csr.shape[1] + csr.indices.astype(np.int64))


def _scatter(values: torch.Tensor, index: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
    """Dense ``shape`` tensor with ``values`` at flat positions ``index`` (autograd-friendly)."""
    return values.new_zeros(shape[0] * shape[1]).scatter(0, index, values).view(shape)


class XoRALinear(nn.Module):
    """A frozen ``nn.Linear`` plus an expander-masked, packed LoRA update.

    Parameters
    ----------
    base : torch.nn.Linear
        The pretrained layer; its parameters are frozen.
    mask_a : scipy.sparse matrix
        ``r x in_features`` 0/1 mask of ``A``.
    mask_b : scipy.sparse matrix
        ``out_features x r`` 0/1 mask of ``B``.
    alpha : float
        LoRA scaling numerator; the update is scaled by ``alpha / r``.
    dropout : float
        Dropout on the adapter's input, as in LoRA.
    init_scale : {"lora", "density"}
        ``"lora"`` (default): kept entries of ``A`` get LoRA's kaiming-uniform
        values, so the adapter's initial output variance is ``density`` times
        LoRA's. ``"density"``: those values are multiplied by ``1/sqrt(density)``
        so the initial variance matches dense LoRA. ``B`` starts at zero either
        way, so the model is unchanged at step 0.

    Examples
    --------
    >>> import torch
    >>> from expandermask import generate_mask
    >>> graph_a, graph_b = generate_mask(64, 8, 2, seed=0), generate_mask(32, 8, 2, seed=1)
    >>> layer = XoRALinear(torch.nn.Linear(64, 32), graph_a.biadjacency.T, graph_b.biadjacency)
    >>> layer.lora_A_values.numel(), layer.lora_B_values.numel()  # 25% of 512 and of 256
    (128, 64)
    >>> layer(torch.randn(3, 64)).shape
    torch.Size([3, 32])
    """

    def __init__(
        self,
        base: nn.Linear,
        mask_a: sp.sparray,
        mask_b: sp.sparray,
        *,
        alpha: float = 8.0,
        dropout: float = 0.0,
        init_scale: str = "lora",
    ) -> None:
        super().__init__()
        if not isinstance(base, nn.Linear):
            raise TypeError(f"XoRALinear wraps nn.Linear, got {type(base).__name__}")
        rank = mask_a.shape[0]
        if mask_a.shape != (rank, base.in_features) or mask_b.shape != (base.out_features, rank):
            raise ValueError(
                f"masks {tuple(mask_a.shape)} and {tuple(mask_b.shape)} do not fit a {base.in_features}->"
                f"{base.out_features} layer at one rank (need r x {base.in_features} and"
                f" {base.out_features} x r)"
            )
        if init_scale not in INIT_SCALES:
            raise ValueError(f"init_scale must be one of {INIT_SCALES}, got {init_scale!r}")
        self.base = base
        for p in self.base.parameters():
            p.requires_grad_(False)
        self.rank = int(rank)
        self.alpha = float(alpha)
        self.scaling = self.alpha / self.rank
        self.init_scale = init_scale
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        weight = base.weight
        self.register_buffer("lora_A_index", _flat_indices(mask_a).to(weight.device))
        self.register_buffer("lora_B_index", _flat_indices(mask_b).to(weight.device))
        factory = {"device": weight.device, "dtype": weight.dtype}
        self.lora_A_values = nn.Parameter(torch.empty(self.lora_A_index.numel(), **factory))
        self.lora_B_values = nn.Parameter(torch.zeros(self.lora_B_index.numel(), **factory))
        self.merged = False
        self.reset_parameters()

    # ------------------------------------------------------------ properties
    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    @property
    def shape_a(self) -> tuple[int, int]:
        return (self.rank, self.in_features)

    @property
    def shape_b(self) -> tuple[int, int]:
        return (self.out_features, self.rank)

    def reset_parameters(self) -> None:
        """LoRA's initialisation restricted to the kept entries (B = 0)."""
        bound = 1.0 / math.sqrt(self.in_features)  # kaiming_uniform_(a=sqrt(5)) on an r x in matrix
        if self.init_scale == "density":
            density = self.lora_A_index.numel() / (self.rank * self.in_features)
            bound /= math.sqrt(density)
        with torch.no_grad():
            self.lora_A_values.uniform_(-bound, bound)
            self.lora_B_values.zero_()

    # --------------------------------------------------------------- factors
    def lora_A(self) -> torch.Tensor:
        """Dense ``A`` (r x in) with zeros off the mask."""
        return _scatter(self.lora_A_values, self.lora_A_index, self.shape_a)

    def lora_B(self) -> torch.Tensor:
        """Dense ``B`` (out x r) with zeros off the mask."""
        return _scatter(self.lora_B_values, self.lora_B_index, self.shape_b)

    def masks(self) -> tuple[torch.Tensor, torch.Tensor]:
        """0/1 masks of ``A`` and ``B`` as boolean tensors."""
        ones_a = torch.ones_like(self.lora_A_index, dtype=torch.bool)
        ones_b = torch.ones_like(self.lora_B_index, dtype=torch.bool)
        return (
            _scatter(ones_a, self.lora_A_index, self.shape_a),
            _scatter(ones_b, self.lora_B_index, self.shape_b),
        )

    def delta_weight(self) -> torch.Tensor:
        """``(alpha / r) B A`` in the base weight's dtype (computed in float32 for half types)."""
        a, b = self.lora_A(), self.lora_B()
        compute = torch.float32 if a.dtype in (torch.float16, torch.bfloat16) else a.dtype
        return (self.scaling * (b.to(compute) @ a.to(compute))).to(self.base.weight.dtype)

    def merge(self) -> None:
        """Add the update into the base weight (inference costs as the base layer)."""
        if not self.merged:
            with torch.no_grad():
                self.base.weight += self.delta_weight()
            self.merged = True

    def unmerge(self) -> None:
        """Undo :meth:`merge`."""
        if self.merged:
            with torch.no_grad():
                self.base.weight -= self.delta_weight()
            self.merged = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        result = self.base(x)
        if self.merged:
            return result
        a, b = self.lora_A(), self.lora_B()
        update = F.linear(F.linear(self.dropout(x).to(a.dtype), a), b)
        return result + (update * self.scaling).to(result.dtype)

    def extra_repr(self) -> str:
        return (
            f"in={self.in_features}, out={self.out_features}, r={self.rank}, alpha={self.alpha},"
            f" nnz_A={self.lora_A_index.numel()}, nnz_B={self.lora_B_index.numel()}, merged={self.merged}"
        )


class ExpanderLinear(nn.Module):
    """A linear layer whose weight is supported on an expander mask (packed values).

    Each output is connected to ``dl`` inputs, each input to ``out*dl/in``
    outputs, through a verified (dl, out*dl/in)-biregular Ramanujan graph.

    Parameters
    ----------
    in_features, out_features : int
    dl : int
        Inputs per output (ones per row of the ``out x in`` weight mask).
    bias : bool
    method : str
        Mask construction (see :func:`expandermask.generate_mask`).
    seed : int

    Examples
    --------
    >>> import torch
    >>> layer = ExpanderLinear(64, 32, dl=8, seed=0)
    >>> layer.values.numel(), layer(torch.randn(2, 64)).shape
    (256, torch.Size([2, 32]))
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        dl: int,
        bias: bool = True,
        method: str = "random",
        seed: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        from expandermask.generate import generate_mask

        graph = generate_mask(out_features, in_features, dl, method=method, seed=seed)
        self.in_features, self.out_features, self.dl = in_features, out_features, dl
        self.report = graph.report
        self.register_buffer("index", _flat_indices(graph.biadjacency).to(device))
        self.values = nn.Parameter(torch.empty(self.index.numel(), device=device, dtype=dtype))
        self.bias = nn.Parameter(torch.empty(out_features, device=device, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the true fan-in ``dl``, as nn.Linear does."""
        bound = 1.0 / math.sqrt(self.dl)
        with torch.no_grad():
            self.values.uniform_(-bound, bound)
            if self.bias is not None:
                self.bias.uniform_(-bound, bound)

    def weight(self) -> torch.Tensor:
        """The dense ``out x in`` weight (zeros off the mask)."""
        return _scatter(self.values, self.index, (self.out_features, self.in_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight(), self.bias)

    def extra_repr(self) -> str:
        return f"in={self.in_features}, out={self.out_features}, dl={self.dl}, nnz={self.index.numel()}"
