"""Benchmark: LPS graph X^{5,q} build + verify for growing q, against the straightforward construction.

Peer ("naive"): what public scripts do: enumerate all q^4 matrices, keep the invertible ones
(and, for PSL, those of square determinant), canonicalise each projectively in Python and look
it up in a dict, then multiply every vertex by every generator in Python loops. Run in the same
session for the q where it finishes in reasonable time.

Every measurement runs in a fresh subprocess so that its peak memory (ru_maxrss) is its own.
Writes ``benchmarks/results/lps.json`` and ``.md``.

Usage::

    python benchmarks/bench_lps.py [--max-q 97] [--naive-max-q 29]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

OURS = """
import json, resource, time
from expandermask.lps import lps_graph
from expandermask.regular import verify_regular
t = time.perf_counter(); g = lps_graph({p}, {q}); build = time.perf_counter() - t
t = time.perf_counter(); r = verify_regular(g.adjacency, girth={girth}); verify = time.perf_counter() - t
print(json.dumps({{"n": g.n_vertices, "group": g.group, "build_s": build, "verify_s": verify,
    "max_nontrivial": r.nontrivial_max_abs, "bound": r.ramanujan_bound, "ramanujan": r.is_ramanujan,
    "girth": r.girth, "girth_lower_bound": g.girth_lower_bound(), "solver": r.solver,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

NAIVE = """
import itertools, json, resource, time
from sympy.ntheory import sqrt_mod, is_quad_residue
from expandermask.lps import quaternion_generators
p, q = {p}, {q}
t = time.perf_counter()
i = int(sqrt_mod(q - 1, q))
gens = [((a0 + i * a1) % q, (a2 + i * a3) % q, (-a2 + i * a3) % q, (a0 - i * a1) % q)
        for a0, a1, a2, a3 in quaternion_generators(p).tolist()]
psl = is_quad_residue(p % q, q)
squares = {{(x * x) % q for x in range(1, q)}}
def canonical(m):
    a, b, c, d = (x % q for x in m)
    s = pow(a if a else b, -1, q)
    return (a * s % q, b * s % q, c * s % q, d * s % q)
index = {{}}
for m in itertools.product(range(q), repeat=4):
    det = (m[0] * m[3] - m[1] * m[2]) % q
    if det == 0 or (psl and det not in squares):
        continue
    key = canonical(m)
    if key not in index:
        index[key] = len(index)
edges = []
for (a, b, c, d), v in index.items():
    for e, f, g, h in gens:
        w = index[canonical((a * e + b * g, a * f + b * h, c * e + d * g, c * f + d * h))]
        edges.append((v, w))
build = time.perf_counter() - t
print(json.dumps({{"n": len(index), "build_s": build,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-q", type=int, default=97)
    parser.add_argument("--naive-max-q", type=int, default=29)
    args = parser.parse_args()
    qs = [q for q in (13, 17, 29, 37, 41, 53, 61, 73, 89, 97) if q <= args.max_q]
    rows = []
    for q in qs:
        ours = run(OURS.format(p=5, q=q, girth=q <= 61))
        row = {"p": 5, "q": q, **{f"ours_{k}": v for k, v in ours.items()}}
        if q <= args.naive_max_q:
            naive = run(NAIVE.format(p=5, q=q))
            assert naive["n"] == ours["n"]
            row.update(
                {
                    "naive_build_s": naive["build_s"],
                    "naive_peak_mb": naive["peak_mb"],
                    "build_speedup": naive["build_s"] / ours["build_s"],
                }
            )
        rows.append(row)
        print(json.dumps(row), flush=True)
    command = f"python benchmarks/bench_lps.py --max-q {args.max_q} --naive-max-q {args.naive_max_q}"
    payload = {
        "command": command,
        "rows": rows,
        "targets": {"X5_97_build_s_max": 30, "X5_97_verify_s_max": 60, "peak_mb_max": 4096},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lps.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "# LPS X^{5,q}: build and verify",
        "",
        f"Command: `{command}`. Each cell is one fresh process; peak = ru_maxrss of that process"
        " (includes the Python + numpy + scipy baseline of about 100 MB).",
        "",
        "| q | group | vertices | build (s) | verify (s) | solver | peak MB | max nontrivial / 2 sqrt(p)"
        " | girth (>= bound) | naive build (s) | naive peak MB | build speedup |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        naive = (
            f"{r['naive_build_s']:.2f} | {r['naive_peak_mb']:.0f} | {r['build_speedup']:.0f}x"
            if "naive_build_s" in r
            else "- | - | -"
        )
        girth = f"{r['ours_girth']} (>= {r['ours_girth_lower_bound']:.2f})" if r["ours_girth"] else "-"
        spectrum = f"{r['ours_max_nontrivial']:.4f} / {r['ours_bound']:.4f}"
        lines.append(
            f"| {r['q']} | {r['ours_group']} | {r['ours_n']:,} | {r['ours_build_s']:.3f}"
            f" | {r['ours_verify_s']:.2f} | {r['ours_solver']} | {r['ours_peak_mb']:.0f} | {spectrum}"
            f" | {girth} | {naive} |"
        )
    (RESULTS / "lps.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
