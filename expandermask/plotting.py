"""Spectrum plots (matplotlib, optional): singular values of a mask against the Ramanujan bounds."""

from __future__ import annotations

import os

import numpy as np

from expandermask.graph import BipartiteGraph
from expandermask.verify import (
    DENSE_LIMIT,
    VerificationReport,
    _dense_singular_values,
    _gram_of_smaller_side,
    verify_graph,
)


def singular_values(graph: BipartiteGraph) -> np.ndarray:
    """All singular values of the smaller side, descending (dense; smaller side <= DENSE_LIMIT)."""
    if min(graph.shape) > DENSE_LIMIT:
        raise ValueError(f"plotting needs the smaller side <= {DENSE_LIMIT} vertices, got {min(graph.shape)}")
    return _dense_singular_values(_gram_of_smaller_side(graph.biadjacency)).sigma


def plot_training_curves(result: dict, path: str | os.PathLike) -> None:
    """Per-epoch dev metrics of every seed of a fine-tune result (``results.json``), one panel per metric."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ValueError("--plot needs matplotlib: pip install matplotlib") from None
    metrics = list(result["summary"]) or [result["main_metric"]]
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.2), dpi=120, squeeze=False)
    for ax, name in zip(axes[0], metrics, strict=True):
        for run in result["runs"]:
            epochs = [h["epoch"] for h in run["epochs"]]
            ax.plot(epochs, [h[name] for h in run["epochs"]], marker="o", label=f"seed {run['seed']}")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(name)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    config = result["config"]
    fig.suptitle(
        f"{result['task']} | {config['method']} | {os.path.basename(str(config['model']).rstrip('/'))}"
    )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_spectrum(
    graph: BipartiteGraph, path: str | os.PathLike, report: VerificationReport | None = None
) -> None:
    """Write a PNG/SVG/PDF: histogram of nontrivial singular values with the Ramanujan bound,
    the two-sided band's lower end and the best possible ``sigma_2`` for the shape.

    Raises
    ------
    ValueError
        If matplotlib is missing or the graph is too large to plot densely.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ValueError("--plot needs matplotlib: pip install matplotlib") from None
    report = report or verify_graph(graph)
    sigma = singular_values(graph)
    nontrivial = sigma[1:]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    ax.hist(
        nontrivial,
        bins=min(60, max(10, nontrivial.size // 4)),
        color="#4c72b0",
        alpha=0.85,
        label=f"nontrivial singular values ({nontrivial.size})",
    )
    if report.ramanujan_bound is not None:
        ax.axvline(
            report.ramanujan_bound,
            color="#c44e52",
            lw=2,
            label=f"Ramanujan bound sqrt(dL-1)+sqrt(dR-1) = {report.ramanujan_bound:.3f}",
        )
        ax.axvline(
            report.band_lower, color="#dd8452", ls="--", label=f"band lower end = {report.band_lower:.3f}"
        )
    if report.sigma2_lower_bound is not None:
        ax.axvline(
            report.sigma2_lower_bound,
            color="#55a868",
            ls=":",
            label=f"best possible sigma_2 = {report.sigma2_lower_bound:.3f}",
        )
    ax.axvline(report.sigma_2, color="black", lw=1, label=f"sigma_2 = {report.sigma_2:.3f}")
    degrees = f"({report.dl}, {report.dr})" if report.is_biregular else "not biregular"
    ax.set_title(
        f"{report.n_left} x {report.n_right} mask, degrees {degrees}, sigma_1 = {report.sigma_1:.3f}"
    )
    ax.set_xlabel("singular value")
    ax.set_ylabel("count")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
