"""``expandermask model-masks``: a verified mask pair for every target layer of a model."""

from __future__ import annotations

import json
import sys
import time
from contextlib import nullcontext
from pathlib import Path

import click

from expandermask.bundle import PRESETS, build_bundle, model_shapes, preset_shapes, save_bundle
from expandermask.cli.app import check_output, main
from expandermask.generate import METHODS


@main.command("model-masks")
@click.option("--model", "model_name", default=None, help="transformers model: local path or hub name.")
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS), case_sensitive=False),
    default=None,
    help="Built-in shape table instead of --model.",
)
@click.option(
    "--targets",
    default="query,value",
    show_default=True,
    help="Comma-separated module names (peft matching: path or last components).",
)
@click.option("--rank", type=int, default=8, show_default=True)
@click.option("--dl", type=int, default=2, show_default=True, help="Left degree of every mask graph.")
@click.option("--method", type=click.Choice(METHODS), default="random", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def model_masks(model_name, preset, targets, rank, dl, method, seed, output, as_json):
    """Write a bundle: `<module>.lora_A` (r x in) and `<module>.lora_B` (out x r) per target layer."""
    if (model_name is None) == (preset is None):
        raise click.UsageError("give exactly one of --model and --preset")
    check_output(output)
    target_list = [t.strip() for t in targets.split(",") if t.strip()]
    if not target_list:
        raise click.UsageError("--targets is empty")
    start = time.perf_counter()
    shapes = preset_shapes(preset, target_list) if preset else model_shapes(model_name, target_list)
    show = sys.stderr.isatty() and len(shapes) > 8
    bar = click.progressbar(length=2 * len(shapes), label="masks", file=sys.stderr) if show else nullcontext()
    with bar as progress:
        bundle = build_bundle(
            shapes, rank=rank, dl=dl, method=method, seed=seed, progress=progress.update if show else None
        )
    bundle.meta["source"] = {"model": model_name, "preset": preset, "targets": target_list}
    save_bundle(output, bundle)
    elapsed = time.perf_counter() - start
    reports = [
        part["report"]
        for entry in bundle.meta["modules"].values()
        for part in (entry["lora_A"], entry["lora_B"])
    ]
    nnz = sum(m.nnz for m in bundle.masks.values())
    dense = sum(m.shape[0] * m.shape[1] for m in bundle.masks.values())
    summary = {
        "path": str(output),
        "seconds": elapsed,
        "modules": len(shapes),
        "masks": len(bundle.masks),
        "all_ramanujan": all(r["is_ramanujan"] for r in reports),
        "worst_margin": min(r["margin"] for r in reports),
        "nonzeros": nnz,
        "dense_lora_entries": dense,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    click.echo(f"modules    {len(shapes)} ({', '.join(target_list)}), rank {rank}, dl {dl}, method {method}")
    click.echo(
        f"masks      {len(bundle.masks)}, all Ramanujan: {summary['all_ramanujan']},"
        f" worst margin {summary['worst_margin']:+.4f}"
    )
    click.echo(f"entries    {nnz:,} of {dense:,} dense LoRA entries ({nnz / dense:.1%})")
    click.echo(f"wrote      {output} in {elapsed:.2f} s")
