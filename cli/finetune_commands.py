"""``expandermask finetune``: the paper's GLUE experiment as one command."""

from __future__ import annotations

import json
import os
from dataclasses import fields

import click

from expandermask.cli.app import main

_TASKS = ("cola", "sst2", "mrpc", "stsb", "rte", "qnli", "mnli", "qqp")


def _int_list(text: str) -> list[int]:
    try:
        return [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated integers, got {text!r}") from None


@main.command()
@click.option("--task", type=click.Choice(_TASKS, case_sensitive=False), required=True)
@click.option("--model", default=None, help="Local path or hub name of an encoder [default: roberta-base].")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="GLUE task folder with train.tsv/dev.tsv; default: nyu-mll/glue from the hub.",
)
@click.option(
    "--method", type=click.Choice(["xora", "lora", "random", "full"]), default="xora", show_default=True
)
@click.option(
    "--preset",
    type=click.Choice(["paper-base", "paper-large"]),
    default=None,
    help="The paper's Table 1 hyperparameters; flags override them.",
)
@click.option("--rank", type=int, default=None, help="[default: 8]")
@click.option("--alpha", type=float, default=None, help="[default: 8]")
@click.option("--dl", type=int, default=2, show_default=True, help="Mask left degree (xora, random density).")
@click.option("--masks", type=click.Path(dir_okay=False), default=None, help="Bundle from model-masks.")
@click.option("--targets", default="query,value", show_default=True)
@click.option("--seeds", default="0", show_default=True, help="Comma-separated seeds, one run each.")
@click.option("--num-train-epochs", type=int, default=None, help="[default: 3]")
@click.option("--learning-rate", type=float, default=None, help="[default: 4e-4]")
@click.option("--per-device-train-batch-size", type=int, default=None, help="[default: 16]")
@click.option("--per-device-eval-batch-size", type=int, default=64, show_default=True)
@click.option("--max-seq-length", type=int, default=None, help="[default: 128]")
@click.option("--warmup-ratio", type=float, default=None, help="[default: 0.06]")
@click.option("--weight-decay", type=float, default=0.0, show_default=True)
@click.option("--max-train-samples", type=int, default=None)
@click.option("--max-eval-samples", type=int, default=None)
@click.option("--output-dir", default="xora-output", show_default=True)
@click.option("--resume", is_flag=True, help="Continue interrupted runs from their last epoch checkpoint.")
@click.option("--bf16", is_flag=True)
@click.option("--fp16", is_flag=True)
@click.option("--init-scale", type=click.Choice(["lora", "density"]), default="lora", show_default=True)
@click.option("--plot", is_flag=True, help="Also write results.png: dev metrics per epoch and seed.")
@click.option("--json", "as_json", is_flag=True, help="Print results.json to stdout.")
def finetune(**options):
    """Fine-tune an encoder on a GLUE task with XoRA, LoRA, random masks or in full."""
    from expandermask.finetune.presets import preset_values
    from expandermask.finetune.runner import FinetuneConfig, run_finetune

    bf16, fp16 = options.pop("bf16"), options.pop("fp16")
    if bf16 and fp16:
        raise click.UsageError("--bf16 and --fp16 are exclusive")
    as_json = options.pop("as_json")
    plot = options.pop("plot")
    preset = options.pop("preset")
    task = options["task"].lower()
    values = preset_values(preset, task) if preset else {}
    mixed = "bf16" if bf16 else "fp16" if fp16 else "no"
    known = {f.name for f in fields(FinetuneConfig)}
    for key, value in options.items():
        if value is not None and key in known:
            values[key] = value
    values["task"] = task
    values["seeds"] = _int_list(options["seeds"])
    values["targets"] = [t.strip() for t in options["targets"].split(",") if t.strip()]
    values["mixed_precision"] = mixed
    result = run_finetune(FinetuneConfig(**values))
    if plot and int(os.environ.get("RANK", "0")) == 0:
        from expandermask.plotting import plot_training_curves

        plot_training_curves(result, os.path.join(values.get("output_dir", "xora-output"), "results.png"))
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for name, s in result["summary"].items():
        click.echo(
            f"{name:<10} median {s['median']:.4f}  std {s['std']:.4f}  over {len(s['values'])} seed(s)"
        )
    click.echo(
        f"trainable  {result['runs'][0]['trainable_parameters']:,} parameters ({result['config']['method']})"
    )
    click.echo(
        f"wrote      {os.path.join(values.get('output_dir', 'xora-output'), 'results.json')} and results.md"
    )
