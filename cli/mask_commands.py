"""``generate``, ``verify`` and ``info``: single-mask commands."""

from __future__ import annotations

import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import click

from expandermask.cli.app import EXIT_FAILED, EXIT_INVALID, check_output, main
from expandermask.exceptions import MaskFileError
from expandermask.generate import METHODS, generate_mask
from expandermask.graph import BipartiteGraph
from expandermask.io import (
    FORMAT_NAME,
    check_meta_against,
    csr_from_members,
    parse_meta,
    read_npz_members,
    save_mask,
)
from expandermask.verify import verify_graph

#: Edge count above which generation shows a progress bar (on a terminal only).
_PROGRESS_EDGES = 200_000


def default_mask_name(n_left: int, n_right: int, dl: int, method: str, seed: int) -> str:
    """``xora_768x8_dl2_random_s0.npz`` and the like."""
    return f"xora_{n_left}x{n_right}_dl{dl}_{method}_s{seed}.npz"


def _echo_json(payload: dict) -> None:
    click.echo(json.dumps(payload, indent=2, sort_keys=True))


def _progress_bar(max_tries: int, n_edges: int):
    """A stderr progress bar over tries, only for long runs on a terminal."""
    if not sys.stderr.isatty() or (max_tries == 1 and n_edges < _PROGRESS_EDGES):
        return nullcontext(None)
    return click.progressbar(length=max_tries, label="sampling and verifying", file=sys.stderr)


@main.command()
@click.option("--left", "n_left", type=int, required=True, help="Rows of the mask (left vertices).")
@click.option("--right", "n_right", type=int, required=True, help="Columns of the mask (right vertices).")
@click.option("--dl", type=int, required=True, help="Ones per row (left degree).")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option("--method", type=click.Choice(METHODS), default="random", show_default=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file [default: xora_<L>x<R>_dl<D>_<method>_s<seed>.npz].",
)
@click.option(
    "--max-tries", type=int, default=50, show_default=True, help="Graphs to sample before giving up."
)
@click.option(
    "--allow-non-ramanujan",
    is_flag=True,
    help="If no try passes, write the best graph found instead of failing.",
)
@click.option(
    "--base",
    "base_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Base graph file for --method lift [default: K_{dR,dL}].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def generate(n_left, n_right, dl, seed, method, output, max_tries, allow_non_ramanujan, base_file, as_json):
    """Build, verify and write one (dL, dR)-biregular Ramanujan mask.

    \b
    Methods: random  uniformly random biregular graph (numba switchings)
             lift    Ramanujan r-covering of K_{dR,dL} (r = right/dl) or of --base
             lps     an LPS graph whose bipartite/incidence form has exactly this shape
    """
    output = output or Path(default_mask_name(n_left, n_right, dl, method, seed))
    base = None
    if base_file is not None:
        if method != "lift":
            raise click.UsageError("--base is only used with --method lift")
        base, _ = _read_any_mask(base_file)
    check_output(output)
    start = time.perf_counter()
    with _progress_bar(max_tries, n_left * max(dl, 0)) as bar:
        mask = generate_mask(
            n_left,
            n_right,
            dl,
            method=method,
            seed=seed,
            max_tries=max_tries,
            allow_non_ramanujan=allow_non_ramanujan,
            progress=(lambda attempt, graph: bar.update(1)) if bar is not None else None,
            base=base,
        )
    save_mask(output, mask)
    elapsed = time.perf_counter() - start
    report = mask.report
    if as_json:
        _echo_json(
            {
                "path": str(output),
                "seconds": elapsed,
                "tries": mask.meta["tries"],
                "method": method,
                "seed": seed,
                "report": report.to_dict(),
            }
        )
    else:
        click.echo(report.summary())
        click.echo(f"tries      {mask.meta['tries']} (seed {seed}, method {method})")
        click.echo(f"wrote      {output} in {elapsed * 1000:.1f} ms")


def _read_any_mask(path: Path) -> tuple[BipartiteGraph, dict | None]:
    """A mask file or any scipy ``save_npz`` CSR file; ``meta`` is ``None`` for the latter."""
    where = str(path)
    members = read_npz_members(path)
    matrix = csr_from_members(members, where)
    meta = None
    if "meta" in members:
        meta = parse_meta(members, where)
        check_meta_against(matrix, meta, where)
    return BipartiteGraph(matrix), meta


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--solver",
    type=click.Choice(["auto", "dense", "sparse"]),
    default="auto",
    show_default=True,
    help="Eigensolver route (see expandermask.verify_graph).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--smallest", is_flag=True, help="Also compute the smallest singular value on the sparse route (slow)."
)
@click.option(
    "--plot",
    "plot_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a spectrum plot (PNG/SVG/PDF) with the bounds.",
)
def verify(file, solver, smallest, as_json, plot_path):
    """Recompute a mask's report from its matrix alone (the stored one is not trusted).

    Exit status: 0 biregular and Ramanujan, 1 valid file that fails, 2 unreadable
    or invalid file.
    """
    try:
        graph, meta = _read_any_mask(file)
    except MaskFileError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_INVALID)
    if (meta or {}).get("kind") == "adjacency":
        from expandermask.regular import verify_regular

        report = verify_regular(graph.biadjacency, solver=solver)
        passed = report.is_regular and report.is_ramanujan
        if as_json:
            _echo_json({"path": str(file), "passed": passed, "kind": "adjacency", "report": report.to_dict()})
        else:
            click.echo(report.summary())
            click.echo(f"result     {'PASS' if passed else 'FAIL'}: {file}")
        sys.exit(0 if passed else EXIT_FAILED)
    report = verify_graph(graph, solver=solver, smallest=True if smallest else None)
    stored = (meta or {}).get("report")
    agrees = None
    if stored is not None:
        agrees = bool(
            stored.get("is_ramanujan") == report.is_ramanujan
            and abs(float(stored.get("sigma_2", float("nan"))) - report.sigma_2) <= 1e-6
        )
    passed = report.is_biregular and report.is_ramanujan
    if plot_path is not None:
        from expandermask.plotting import plot_spectrum

        plot_spectrum(graph, plot_path, report)
    if as_json:
        _echo_json(
            {"path": str(file), "passed": passed, "stored_report_agrees": agrees, "report": report.to_dict()}
        )
    else:
        click.echo(report.summary())
        if agrees is False:
            click.echo("warning    the report stored in the file disagrees with this one")
        click.echo(f"result     {'PASS' if passed else 'FAIL'}: {file}")
    sys.exit(0 if passed else EXIT_FAILED)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the information as JSON.")
def info(file, as_json):
    """Show a mask file's shape, degrees, provenance and stored report (no recomputation)."""
    try:
        graph, meta = _read_any_mask(file)
    except MaskFileError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_INVALID)
    degrees = graph.degrees
    payload = {
        "path": str(file),
        "bytes": file.stat().st_size,
        "kind": FORMAT_NAME if meta else "scipy.sparse csr (no expandermask meta)",
        "shape": list(graph.shape),
        "n_edges": graph.n_edges,
        "density": graph.density,
        "degrees": list(degrees) if degrees else None,
        "meta": meta,
    }
    if as_json:
        _echo_json(payload)
        return
    click.echo(f"file       {file} ({payload['bytes']} bytes, {payload['kind']})")
    click.echo(
        f"shape      {graph.n_left} x {graph.n_right}, {graph.n_edges} edges, density {graph.density:.4f}"
    )
    click.echo(f"degrees    {tuple(degrees) if degrees else 'not biregular'}")
    if meta:
        click.echo(
            f"made by    expandermask {meta.get('package_version')}, method"
            f" {meta.get('method')}, seed {meta.get('seed')}"
        )
        stored = meta.get("report")
        if stored and meta.get("kind", "biadjacency") == "biadjacency":
            verdict = "PASS" if stored.get("is_ramanujan") else "FAIL"
            click.echo(
                f"stored     sigma_2 {stored.get('sigma_2'):.6f} vs bound"
                f" {stored.get('ramanujan_bound') or float('nan'):.6f}: {verdict}"
                " (run 'expandermask verify' to recompute)"
            )


__all__ = ["generate", "info", "verify", "EXIT_FAILED"]
