"""``expandermask lps``: build, verify and export LPS Ramanujan graphs X^{p,q}."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from expandermask.cli.app import check_output, main
from expandermask.graph import BipartiteGraph
from expandermask.io import save_mask
from expandermask.lps import LPS_FORMS, lps_graph, lps_pairs, lps_shapes
from expandermask.regular import verify_regular
from expandermask.verify import verify_graph


def _list_pairs(max_vertices: int, as_json: bool) -> None:
    rows = [shape for p, q in lps_pairs(max_vertices) for shape in lps_shapes(p, q)]
    if as_json:
        click.echo(json.dumps([shape.__dict__ for shape in rows], indent=2))
        return
    click.echo(f"{'p':>4} {'q':>4} {'group':>5} {'vertices':>9}  {'form':<21} {'mask shape':>19}  degrees")
    for s in rows:
        click.echo(
            f"{s.p:>4} {s.q:>4} {s.group:>5} {s.n_vertices:>9}  {s.form:<21}"
            f" {f'{s.n_left}x{s.n_right}':>19}  ({s.dl}, {s.dr})"
        )


@main.command()
@click.option("--p", "p", type=int, help="Degree minus one: a prime = 1 mod 4.")
@click.option("--q", "q", type=int, help="Field size: a prime = 1 mod 4, q > 2 sqrt(p).")
@click.option(
    "--form",
    type=click.Choice(LPS_FORMS),
    default="bipartite",
    show_default=True,
    help="adjacency: N x N symmetric; bipartite: det classes (PGL) or double cover (PSL);"
    " incidence: edges x vertices, (2, p+1)-biregular.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file [default: lps_p<P>_q<Q>_<form>.npz].",
)
@click.option("--list", "list_pairs", is_flag=True, help="List valid (p, q) pairs and their mask shapes.")
@click.option("--max-vertices", type=int, default=100_000, show_default=True, help="Size limit for --list.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def lps(p, q, form, output, list_pairs, max_vertices, as_json):
    """Build, verify and write the LPS Ramanujan graph X^{p,q}."""
    if list_pairs:
        _list_pairs(max_vertices, as_json)
        return
    if p is None or q is None:
        raise click.UsageError("give --p and --q (or --list)")
    output = output or Path(f"lps_p{p}_q{q}_{form}.npz")
    check_output(output)
    start = time.perf_counter()
    graph = lps_graph(p, q)
    regular = verify_regular(graph.adjacency)
    meta = {
        "method": "lps",
        "p": p,
        "q": q,
        "group": graph.group,
        "form": form,
        "girth_lower_bound": graph.girth_lower_bound(),
    }
    if form == "adjacency":
        mask = BipartiteGraph(graph.adjacency, {**meta, "kind": "adjacency"}, regular)
        report = regular
    else:
        mask = graph.bipartite() if form == "bipartite" else graph.incidence()
        mask.meta = {**meta, "regular_report": regular.to_dict()}
        report = mask.report = verify_graph(mask)
    save_mask(output, mask)
    elapsed = time.perf_counter() - start
    if as_json:
        click.echo(
            json.dumps(
                {
                    "path": str(output),
                    "seconds": elapsed,
                    "meta": meta,
                    "graph_report": regular.to_dict(),
                    "report": report.to_dict(),
                },
                indent=2,
                sort_keys=True,
            )
        )
        return
    click.echo(
        f"X^{{{p},{q}}}     Cayley graph on {graph.group}(2,{q}), girth lower bound"
        f" {graph.girth_lower_bound():.2f}"
    )
    click.echo(regular.summary())
    if form != "adjacency":
        click.echo(f"--- {form} form ---")
        click.echo(report.summary())
    click.echo(f"wrote      {output} in {elapsed:.2f} s")
