"""Benchmark: exact formulations of the XoRA adapter forward + backward, to pick the fastest.

For ``h = (alpha/r) B A x`` with packed values of A (r x in) and B (out x r):

* ``scatter``: scatter the values into the two small dense factors, then two ``F.linear``
  (what ``XoRALinear`` does);
* ``gather``: no dense factors: ``z = A x`` as gathered columns times values summed per row
  (``index_add``), then the same for ``B``;
* ``sparse``: ``torch.sparse`` COO factors and ``torch.sparse.mm``;
* ``dense LoRA``: peft's formulation with dense factors, the reference cost.

All four give the same output (checked); medians over repeats, forward + backward of the values.
Writes ``benchmarks/results/xora_forward.json`` and ``.md``.

Usage::

    python benchmarks/bench_xora_forward.py [--tokens 1024] [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from statistics import median

import torch
import torch.nn.functional as F

from expandermask import generate_mask
from expandermask.torch.layer import _flat_indices, _scatter

RESULTS = Path(__file__).resolve().parent / "results"


def setup(d_in, d_out, r, dl):
    a_mask = generate_mask(d_in, r, dl, seed=0).biadjacency.T.tocsr()
    b_mask = generate_mask(d_out, r, dl, seed=1).biadjacency
    a_idx, b_idx = _flat_indices(a_mask), _flat_indices(b_mask)
    a_val = torch.randn(a_idx.numel(), requires_grad=True)
    b_val = torch.randn(b_idx.numel(), requires_grad=True)
    return a_idx, b_idx, a_val, b_val


def bench_shape(d_in, d_out, r, dl, tokens, repeats):
    a_idx, b_idx, a_val, b_val = setup(d_in, d_out, r, dl)
    x = torch.randn(tokens, d_in)
    a_rows, a_cols = a_idx // d_in, a_idx % d_in
    b_rows, b_cols = b_idx // r, b_idx % r
    dense_a = torch.randn(r, d_in, requires_grad=True)
    dense_b = torch.randn(d_out, r, requires_grad=True)

    def scatter():
        return F.linear(F.linear(x, _scatter(a_val, a_idx, (r, d_in))), _scatter(b_val, b_idx, (d_out, r)))

    def gather():
        z = torch.zeros(x.shape[0], r).index_add(1, a_rows, x[:, a_cols] * a_val)
        return torch.zeros(x.shape[0], d_out).index_add(1, b_rows, z[:, b_cols] * b_val)

    def sparse():
        a = torch.sparse_coo_tensor(torch.stack([a_rows, a_cols]), a_val, (r, d_in))
        b = torch.sparse_coo_tensor(torch.stack([b_rows, b_cols]), b_val, (d_out, r))
        z = torch.sparse.mm(a, x.T)
        return torch.sparse.mm(b, z).T

    def dense_lora():
        return F.linear(F.linear(x, dense_a), dense_b)

    reference = scatter().detach()
    for fn in (gather, sparse):
        torch.testing.assert_close(fn().detach(), reference, atol=1e-3, rtol=1e-4)
    times = {}
    for name, fn in (
        ("scatter", scatter),
        ("gather", gather),
        ("sparse", sparse),
        ("dense LoRA", dense_lora),
    ):
        samples = []
        for i in range(repeats + 3):
            start = time.perf_counter()
            fn().sum().backward()
            if i >= 3:
                samples.append(time.perf_counter() - start)
        times[name] = median(samples)
    row = {
        "shape": f"{d_out}x{d_in}",
        "rank": r,
        "dl": dl,
        "tokens": tokens,
        **{f"{k}_ms": v * 1e3 for k, v in times.items()},
        **{f"{k}_vs_dense_lora": v / times["dense LoRA"] for k, v in times.items()},
    }
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    rows = []
    for d_in, d_out, r, dl in [(768, 768, 8, 2), (1024, 1024, 8, 2), (4096, 4096, 64, 2)]:
        row = bench_shape(d_in, d_out, r, dl, args.tokens, args.repeats)
        rows.append(row)
        print(json.dumps(row), flush=True)
    command = f"python benchmarks/bench_xora_forward.py --tokens {args.tokens} --repeats {args.repeats}"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "xora_forward.json").write_text(
        json.dumps({"command": command, "rows": rows}, indent=2) + "\n"
    )
    lines = [
        "# XoRA adapter forward + backward: exact formulations",
        "",
        f"Command: `{command}` (medians).",
        "",
        "| layer | r | scatter (ms) | gather/index_add (ms) | torch.sparse (ms) | dense LoRA (ms) |"
        " scatter / dense LoRA |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['shape']} | {row['rank']} | {row['scatter_ms']:.3f} | {row['gather_ms']:.3f}"
            f" | {row['sparse_ms']:.3f} | {row['dense LoRA_ms']:.3f} | {row['scatter_vs_dense_lora']:.2f} |"
        )
    (RESULTS / "xora_forward.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
