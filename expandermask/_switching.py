"""Numba kernels of the switching (edge-swap) algorithm on biregular bipartite graphs.

State of a graph with ``E = n_left * dl`` edges: one int array ``r`` of length
``E`` where slots ``a*dl .. a*dl+dl-1`` hold the right endpoints of left vertex
``a``. Any permutation of ``r`` keeps every degree, so a switching
``(a, b), (c, d) -> (a, d), (c, b)`` is the exchange of two entries of ``r``.
The graph is simple when no block holds a value twice.

All randomness is drawn by the caller from a seeded ``numpy.random.Generator``
and handed in as arrays, so results are reproducible bit for bit.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, inline="always")
def _block_contains(r, start, dl, value):
    for k in range(start, start + dl):
        if r[k] == value:
            return True
    return False


@nb.njit(cache=True, inline="always")
def _block_count(r, start, dl, value):
    count = 0
    for k in range(start, start + dl):
        if r[k] == value:
            count += 1
    return count


@nb.njit(cache=True)
def remove_double_edges(r, dl, bad, partners, start):
    """Switch away repeated edges at slots ``bad[start:]``.

    Each repeated edge ``(a, b)`` at slot ``e`` is exchanged with a random edge
    ``(c, d)`` (slot from ``partners``) such that ``(a, d)`` and ``(c, b)`` are
    absent; no new repeat is created. Returns ``(next_bad, next_partner)``:
    ``next_bad == bad.size`` means done, otherwise the partner pool ran out.
    """
    cursor = 0
    n_partners = partners.size
    for i in range(start, bad.size):
        e = bad[i]
        a_start = (e // dl) * dl
        b = r[e]
        if _block_count(r, a_start, dl, b) < 2:
            continue  # already fixed by an earlier switching
        while True:
            if cursor >= n_partners:
                return i, cursor
            f = partners[cursor]
            cursor += 1
            c_start = (f // dl) * dl
            if c_start == a_start:
                continue
            d = r[f]
            if _block_contains(r, a_start, dl, d) or _block_contains(r, c_start, dl, b):
                continue
            r[e] = d
            r[f] = b
            break
    return bad.size, cursor


@nb.njit(cache=True)
def mix_by_scanning(r, dl, pairs):
    """Attempt one switching per row of ``pairs`` (two slot indices); membership by block scan.

    Returns the number of accepted switchings. Cost per attempt is ``O(dl)``.
    """
    accepted = 0
    for t in range(pairs.shape[0]):
        e = pairs[t, 0]
        f = pairs[t, 1]
        a_start = (e // dl) * dl
        c_start = (f // dl) * dl
        if a_start == c_start:
            continue
        b = r[e]
        d = r[f]
        if b == d:
            continue
        if _block_contains(r, a_start, dl, d) or _block_contains(r, c_start, dl, b):
            continue
        r[e] = d
        r[f] = b
        accepted += 1
    return accepted


@nb.njit(cache=True)
def mix_with_table(r, dl, pairs, present):
    """Same chain as :func:`mix_by_scanning` with an ``n_left x n_right`` presence table
    (``O(1)`` per attempt, for large ``dl``). ``present`` must match ``r`` on entry."""
    accepted = 0
    for t in range(pairs.shape[0]):
        e = pairs[t, 0]
        f = pairs[t, 1]
        a = e // dl
        c = f // dl
        if a == c:
            continue
        b = r[e]
        d = r[f]
        if b == d or present[a, d] or present[c, b]:
            continue
        present[a, b] = False
        present[c, d] = False
        present[a, d] = True
        present[c, b] = True
        r[e] = d
        r[f] = b
        accepted += 1
    return accepted


def repeated_slots(r: np.ndarray, dl: int) -> np.ndarray:
    """Slots holding a value that already occurs earlier (in sorted order) in its block."""
    blocks = r.reshape(-1, dl)
    order = np.argsort(blocks, axis=1, kind="stable")
    sorted_blocks = np.take_along_axis(blocks, order, axis=1)
    repeated = sorted_blocks[:, 1:] == sorted_blocks[:, :-1]
    rows, cols = np.nonzero(repeated)
    return (rows * dl + order[:, 1:][rows, cols]).astype(np.int64)
