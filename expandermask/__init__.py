"""expandermask: sparse, provably well-connected masks from expander graphs.

Builds (dL, dR)-biregular bipartite Ramanujan graphs, verifies them
spectrally, and writes them as 0/1 masks for XoRA (expander-masked LoRA)
fine-tuning. ``import expandermask`` never imports torch.

Examples
--------
>>> import expandermask as xm
>>> mask = xm.generate_mask(768, 8, 2, seed=0)
>>> mask.report.is_ramanujan, mask.density
(True, 0.25)
"""

from expandermask._version import __version__
from expandermask.exceptions import MaskFileError, NotRamanujanError
from expandermask.generate import METHODS, generate_mask
from expandermask.graph import BipartiteGraph
from expandermask.io import load_graph, load_mask, save_mask
from expandermask.random_biregular import random_biregular_graph, right_degree
from expandermask.verify import (
    VerificationReport,
    ramanujan_bound,
    sigma2_lower_bound,
    verify_graph,
)

__all__ = [
    "METHODS",
    "BipartiteGraph",
    "MaskFileError",
    "NotRamanujanError",
    "VerificationReport",
    "__version__",
    "generate_mask",
    "load_graph",
    "load_mask",
    "ramanujan_bound",
    "random_biregular_graph",
    "right_degree",
    "save_mask",
    "sigma2_lower_bound",
    "verify_graph",
]
