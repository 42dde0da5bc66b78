"""GLUE metrics (scikit-learn and scipy)."""

from __future__ import annotations

import numpy as np
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

from expandermask.finetune.tasks import TaskSpec


def compute_metrics(spec: TaskSpec, predictions: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Metrics of one task from raw model outputs (logits, or scores for STS-B).

    Examples
    --------
    >>> from expandermask.finetune.tasks import get_task
    >>> compute_metrics(get_task("mrpc"), np.array([[0.1, 0.9], [2.0, 0.0]]), np.array([1, 1]))
    {'accuracy': 0.5, 'f1': 0.6666666666666666}
    """
    labels = np.asarray(labels)
    if spec.num_labels == 1:
        scores = np.asarray(predictions).reshape(-1)
        if np.std(scores) == 0 or np.std(labels) == 0:
            return {"pearson": 0.0, "spearman": 0.0}
        return {
            "pearson": float(pearsonr(scores, labels)[0]),
            "spearman": float(spearmanr(scores, labels)[0]),
        }
    predicted = np.asarray(predictions).argmax(axis=-1)
    labels = labels.astype(int)
    out = {}
    for name in spec.metrics:
        if name == "accuracy":
            out[name] = float(accuracy_score(labels, predicted))
        elif name == "f1":
            out[name] = float(f1_score(labels, predicted, zero_division=0))
        elif name == "matthews":
            out[name] = float(matthews_corrcoef(labels, predicted))
    return out
