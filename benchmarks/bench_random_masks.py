"""Benchmark: random biregular mask generation + verification.

Compares in one run, on the same machine:

* **expandermask**: ``generate_mask`` (numba configuration model + switchings, Gram/eigsh verification);
* **networkx route**: what a networkx user writes: ``bipartite.configuration_model`` (a MultiGraph),
  double edges removed by hand with random switchings, then the dense adjacency spectrum with
  ``numpy.linalg.eigvalsh``;
* **numba vs. pure numpy/Python**: the same switching kernels run jitted and as plain Python over
  numpy arrays (``kernel.py_func``).

JIT compile time is measured separately, in a fresh process with an empty numba cache.
Writes ``benchmarks/results/random_masks.json`` and ``.md``.

Usage::

    python benchmarks/bench_random_masks.py [--repeats 7] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from statistics import median

import networkx as nx
import numpy as np

import expandermask as xm
from expandermask import _switching as kernels
from expandermask.random_biregular import right_degree

SHAPES = [(768, 8, 2), (4096, 64, 2), (14336, 64, 2)]
RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return median(times), out


def networkx_route(n_left, n_right, dl, seed):
    """Configuration model, hand-written double-edge removal, dense eigensolver."""
    dr = right_degree(n_left, n_right, dl)
    multi = nx.bipartite.configuration_model([dl] * n_left, [dr] * n_right, seed=seed)
    rng = random.Random(seed)
    edges = [(u, v) if u < n_left else (v, u) for u, v in multi.edges()]
    count: dict[tuple[int, int], int] = {}
    for edge in edges:
        count[edge] = count.get(edge, 0) + 1
    for i in range(len(edges)):
        while count[edges[i]] > 1:
            j = rng.randrange(len(edges))
            (a, b), (c, d) = edges[i], edges[j]
            if a == c or b == d or count.get((a, d), 0) or count.get((c, b), 0):
                continue
            count[(a, b)] -= 1
            count[(c, d)] -= 1
            count[(a, d)] = 1
            count[(c, b)] = 1
            edges[i], edges[j] = (a, d), (c, b)
    graph = nx.Graph()
    graph.add_nodes_from(range(n_left + n_right))
    graph.add_edges_from(edges)
    eigenvalues = np.linalg.eigvalsh(nx.to_numpy_array(graph))
    return float(eigenvalues[-2])  # sigma_2 (spectrum is symmetric)


def run_kernels(n_left, n_right, dl, seed, jitted: bool):
    """The switching stage alone (double-edge removal + 10 x E mixing), jitted or not."""
    dr = right_degree(n_left, n_right, dl)
    rng = np.random.default_rng(seed)
    right_of = rng.permutation(np.repeat(np.arange(n_right, dtype=np.int32), dr))
    bad = kernels.repeated_slots(right_of, dl)
    remove = kernels.remove_double_edges if jitted else kernels.remove_double_edges.py_func
    mix = kernels.mix_by_scanning if jitted else kernels.mix_by_scanning.py_func
    done = 0
    while done < bad.size:
        done, _ = remove(right_of, dl, bad, rng.integers(0, right_of.size, 8 * bad.size + 64), done)
    mix(right_of, dl, rng.integers(0, right_of.size, size=(10 * right_of.size, 2)))
    return right_of


def compile_time() -> dict:
    """First-call (compile) and warm times in a fresh process with an empty numba cache."""
    code = textwrap.dedent(
        """
        import time, json
        import expandermask as xm
        t = time.perf_counter(); xm.random_biregular_graph(768, 8, 2, seed=0); first = time.perf_counter() - t
        t = time.perf_counter(); xm.random_biregular_graph(768, 8, 2, seed=0); warm = time.perf_counter() - t
        print(json.dumps({"first_call_s": first, "warm_call_s": warm}))
        """
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold = json.loads(subprocess.check_output([sys.executable, "-c", code], env=env, text=True))
        cached = json.loads(subprocess.check_output([sys.executable, "-c", code], env=env, text=True))
    return {
        "jit_compile_s": cold["first_call_s"] - cold["warm_call_s"],
        "cache_load_s": cached["first_call_s"] - cached["warm_call_s"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="one repeat of the slow peers")
    args = parser.parse_args()
    xm.generate_mask(768, 8, 2, seed=0)  # warm-up: load the compiled kernels
    run_kernels(768, 8, 2, 0, jitted=True)
    rows = []
    for n_left, n_right, dl in SHAPES:
        dr = right_degree(n_left, n_right, dl)
        ours, mask = timed(lambda: xm.generate_mask(n_left, n_right, dl, seed=0), args.repeats)  # noqa: B023
        peer_repeats = 1 if (args.quick or n_left > 5000) else 3
        peer, peer_sigma2 = timed(lambda: networkx_route(n_left, n_right, dl, 0), peer_repeats)  # noqa: B023
        jit, _ = timed(lambda: run_kernels(n_left, n_right, dl, 0, True), args.repeats)  # noqa: B023
        plain, _ = timed(lambda: run_kernels(n_left, n_right, dl, 0, False), 1 if args.quick else 3)  # noqa: B023
        rows.append(
            {
                "shape": [n_left, n_right],
                "degrees": [dl, dr],
                "expandermask_generate_verify_s": ours,
                "expandermask_tries": mask.meta["tries"],
                "expandermask_sigma_2": mask.report.sigma_2,
                "ramanujan_bound": mask.report.ramanujan_bound,
                "networkx_route_s": peer,
                "networkx_route_repeats": peer_repeats,
                "networkx_route_sigma_2": peer_sigma2,
                "speedup_vs_networkx": peer / ours,
                "kernels_numba_s": jit,
                "kernels_pure_python_s": plain,
                "speedup_numba_vs_pure": plain / jit,
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    payload = {
        "command": "python benchmarks/bench_random_masks.py" + (" --quick" if args.quick else ""),
        "repeats": args.repeats,
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "system": platform.platform(),
        },
        "versions": {"expandermask": xm.__version__, "numpy": np.__version__, "networkx": nx.__version__},
        "jit": compile_time(),
        "rows": rows,
        "targets": {"speedup_vs_networkx_min": 20, "768x8_generate_verify_max_s": 0.020},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "random_masks.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "# Random biregular masks: generate + verify",
        "",
        f"Command: `{payload['command']}` (medians; ratios are what to compare across machines).",
        "",
        "| shape | degrees | expandermask (ms) | networkx route (ms) | speedup | numba kernels (ms)"
        " | pure Python kernels (ms) | numba speedup | sigma_2 / bound |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['shape'][0]}x{row['shape'][1]} | ({row['degrees'][0]}, {row['degrees'][1]})"
            f" | {row['expandermask_generate_verify_s'] * 1e3:.2f} | {row['networkx_route_s'] * 1e3:.0f}"
            f" | {row['speedup_vs_networkx']:.0f}x | {row['kernels_numba_s'] * 1e3:.2f}"
            f" | {row['kernels_pure_python_s'] * 1e3:.0f} | {row['speedup_numba_vs_pure']:.0f}x"
            f" | {row['expandermask_sigma_2']:.3f} / {row['ramanujan_bound']:.3f} |"
        )
    jit = payload["jit"]
    lines += [
        "",
        f"JIT compile (first call, empty cache): {jit['jit_compile_s']:.2f} s;"
        f" loading the cached kernels in a new process: {jit['cache_load_s']:.3f} s.",
        "",
    ]
    (RESULTS / "random_masks.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
