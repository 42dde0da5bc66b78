"""The fine-tuning loop (accelerate): one run per seed, evaluation every epoch, resumable.

Runs on the GPU when there is one and on the CPU otherwise; under ``torchrun`` or
``accelerate launch`` the same code runs data-parallel (DDP) with no change.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from expandermask.finetune.metrics import compute_metrics
from expandermask.finetune.tasks import Split, TaskSpec, get_task, load_splits

METHODS = ("xora", "lora", "random", "full")
#: Task heads of sequence-classification models, trained in full by the adapter methods.
HEAD_MODULES = ("classifier", "score")


@dataclass
class FinetuneConfig:
    """Everything a run needs; flag names follow transformers' ``run_glue.py`` where one exists."""

    task: str
    model: str = "roberta-base"
    data_dir: str | None = None
    method: str = "xora"
    rank: int = 8
    alpha: float = 8.0
    dl: int = 2
    targets: list[str] = field(default_factory=lambda: ["query", "value"])
    masks: str | None = None
    seeds: list[int] = field(default_factory=lambda: [0])
    num_train_epochs: int = 3
    learning_rate: float = 4e-4
    per_device_train_batch_size: int = 16
    per_device_eval_batch_size: int = 64
    max_seq_length: int = 128
    warmup_ratio: float = 0.06
    weight_decay: float = 0.0
    max_train_samples: int | None = None
    max_eval_samples: int | None = None
    output_dir: str = "xora-output"
    resume: bool = False
    mixed_precision: str = "no"  # "no" | "bf16" | "fp16"
    init_scale: str = "lora"
    stop_after_epochs: int | None = None  # testing aid: simulate an interruption


def _trainable_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _bernoulli_masks(model, targets, rank, density, seed):
    """The paper's random baseline: elementwise Bernoulli masks of the XoRA density."""
    import scipy.sparse as sp

    from expandermask.bundle import matches_target

    rng = np.random.default_rng(seed)
    masks = {}
    for name, module in model.named_modules():
        in_head = any(part in HEAD_MODULES for part in name.split("."))
        if isinstance(module, torch.nn.Linear) and matches_target(name, targets) and not in_head:
            mask_a = sp.csr_array(rng.random((rank, module.in_features)) < density)
            mask_b = sp.csr_array(rng.random((module.out_features, rank)) < density)
            masks[name] = (mask_a.astype(np.int32), mask_b.astype(np.int32))
    return masks


def build_model(config: FinetuneConfig, spec: TaskSpec, seed: int):
    """Model with the method's trainable parameters, and its tokenizer."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(config.model)
        model = AutoModelForSequenceClassification.from_pretrained(
            config.model, num_labels=spec.num_labels, ignore_mismatched_sizes=True
        )
    except (OSError, ValueError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"cannot load model {config.model!r}: {first}") from None
    if config.method == "full":
        return model, tokenizer
    if config.method == "lora":
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(
            r=config.rank,
            lora_alpha=config.alpha,
            target_modules=config.targets,
            task_type="SEQ_CLS",
            lora_dropout=0.0,
        )
        return get_peft_model(model, lora), tokenizer
    from expandermask.torch import apply_xora

    masks = config.masks
    if config.method == "random":
        masks = _bernoulli_masks(model, config.targets, config.rank, config.dl / config.rank, seed)
    model = apply_xora(
        model,
        target_modules=config.targets,
        r=config.rank,
        alpha=config.alpha,
        dl=config.dl,
        masks=masks,
        seed=seed,
        modules_to_save=HEAD_MODULES,
        init_scale=config.init_scale,
    )
    return model, tokenizer


def _encode(tokenizer, split: Split, max_len: int, regression: bool) -> list[dict[str, Any]]:
    max_len = min(max_len, tokenizer.model_max_length or max_len)
    encoded = tokenizer(split.text_a, split.text_b, truncation=True, max_length=max_len)
    labels = [float(v) for v in split.labels] if regression else [int(v) for v in split.labels]
    return [{**{k: encoded[k][i] for k in encoded}, "labels": labels[i]} for i in range(len(split))]


def _loader(features, batch_size, tokenizer, order=None):
    from torch.utils.data import DataLoader
    from transformers import DataCollatorWithPadding

    items = features if order is None else [features[i] for i in order]
    return DataLoader(
        items, batch_size=batch_size, shuffle=False, collate_fn=DataCollatorWithPadding(tokenizer)
    )


def run_seed(config: FinetuneConfig, seed: int, accelerator, progress: bool = True) -> dict[str, Any]:
    """Train and evaluate one seed; returns per-epoch metrics and the best epoch."""
    from accelerate.utils import set_seed
    from tqdm.auto import tqdm
    from transformers import get_linear_schedule_with_warmup

    spec = get_task(config.task)
    train, dev = load_splits(spec, config.data_dir)
    train, dev = train.head(config.max_train_samples), dev.head(config.max_eval_samples)
    regression = spec.num_labels == 1
    set_seed(seed)
    model, tokenizer = build_model(config, spec, seed)
    trainable = _trainable_count(model)
    train_features = _encode(tokenizer, train, config.max_seq_length, regression)
    eval_loader = _loader(
        _encode(tokenizer, dev, config.max_seq_length, regression),
        config.per_device_eval_batch_size,
        tokenizer,
    )
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    global_batch = config.per_device_train_batch_size * accelerator.num_processes
    steps_per_epoch = math.ceil(len(train_features) / global_batch)
    total = steps_per_epoch * config.num_train_epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total), total)
    # the scheduler is stepped once per global step by us (not prepared: accelerate would step it
    # once per process), so the schedule is the same on 1 or N processes
    model, optimizer, eval_loader = accelerator.prepare(model, optimizer, eval_loader)

    run_dir = Path(config.output_dir) / f"seed{seed}"
    checkpoint = run_dir / "checkpoint"
    history: list[dict[str, Any]] = []
    start_epoch = 0
    if config.resume and (checkpoint / "state.json").exists():
        saved = load_checkpoint(checkpoint, accelerator.unwrap_model(model), optimizer, scheduler)
        history, start_epoch = saved["history"], saved["epochs_done"]
    for epoch in range(start_epoch, config.num_train_epochs):
        if config.stop_after_epochs is not None and epoch >= config.stop_after_epochs:
            break
        set_seed(seed * 1000 + epoch)  # data order and dropout depend only on (seed, epoch): resumable
        order = torch.randperm(len(train_features)).tolist()
        train_loader = accelerator.prepare(
            _loader(train_features, config.per_device_train_batch_size, tokenizer, order)
        )
        model.train()
        losses = []
        bar = tqdm(
            train_loader,
            desc=f"seed {seed} epoch {epoch + 1}/{config.num_train_epochs}",
            disable=not (progress and accelerator.is_local_main_process),
            leave=False,
        )
        for batch in bar:
            with accelerator.autocast():
                loss = model(**batch).loss
            accelerator.backward(loss)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
        metrics = evaluate(model, eval_loader, spec, accelerator)
        history.append(
            {"epoch": epoch + 1, "train_loss": float(np.mean(losses)) if losses else None, **metrics}
        )
        accelerator.wait_for_everyone()
        if accelerator.is_main_process:
            progress_state = {"epochs_done": epoch + 1, "history": history}
            save_checkpoint(checkpoint, accelerator.unwrap_model(model), optimizer, scheduler, progress_state)
        accelerator.wait_for_everyone()
    if accelerator.is_main_process and len(history) == config.num_train_epochs:
        from safetensors.torch import save_file

        save_file(
            _trainable_tensors(accelerator.unwrap_model(model)), str(run_dir / "trainable_state.safetensors")
        )
    main_metric = spec.metrics[0]
    best = max(history, key=lambda h: h[main_metric]) if history else None
    return {
        "seed": seed,
        "trainable_parameters": trainable,
        "epochs": history,
        "best": best,
        "complete": len(history) == config.num_train_epochs,
    }


def _trainable_tensors(model) -> dict[str, torch.Tensor]:
    """Trainable parameters by name, on the CPU (what checkpoints and ``trainable_state`` hold)."""
    return {n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad}


def save_checkpoint(folder: Path, model, optimizer, scheduler, progress: dict[str, Any]) -> None:
    """Trainable parameters (safetensors), optimizer and scheduler state; written to a temporary
    folder and renamed, so an interruption leaves the previous checkpoint intact.

    Frozen weights are not saved (they are reloaded from the base model), so a XoRA/LoRA
    checkpoint is the size of the adapter, not of the model. Data order and dropout are
    re-seeded from (seed, epoch), so no RNG state is needed.
    """
    from safetensors.torch import save_file

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(_trainable_tensors(model), str(tmp / "trainable.safetensors"))
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp / "optim.pt")
    (tmp / "state.json").write_text(json.dumps(progress, indent=2))
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(tmp, folder)


def load_checkpoint(folder: Path, model, optimizer, scheduler) -> dict[str, Any]:
    """Inverse of :func:`save_checkpoint`; returns the saved progress (epochs done, history)."""
    from safetensors.torch import load_file

    trainable = load_file(str(folder / "trainable.safetensors"))
    params = dict(model.named_parameters())
    if set(trainable) != {n for n, p in params.items() if p.requires_grad}:
        raise ValueError(
            f"checkpoint {folder} was written for another model or method; remove it or drop --resume"
        )
    with torch.no_grad():
        for name, value in trainable.items():
            params[name].copy_(value.to(params[name].device, params[name].dtype))
    states = torch.load(folder / "optim.pt", map_location="cpu", weights_only=False)
    optimizer.load_state_dict(states["optimizer"])
    scheduler.load_state_dict(states["scheduler"])
    return json.loads((folder / "state.json").read_text())


def evaluate(model, loader, spec: TaskSpec, accelerator) -> dict[str, float]:
    """Metrics on the (gathered, de-duplicated) dev set."""
    model.eval()
    predictions, labels = [], []
    with torch.no_grad():
        for batch in loader:
            logits = model(**batch).logits
            logits, target = accelerator.gather_for_metrics((logits, batch["labels"]))
            predictions.append(logits.float().cpu().numpy())
            labels.append(target.float().cpu().numpy())
    return compute_metrics(spec, np.concatenate(predictions), np.concatenate(labels))


def summarise(spec: TaskSpec, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and standard deviation across seeds of each metric at each seed's best epoch."""
    summary = {}
    for name in spec.metrics:
        values = [r["best"][name] for r in runs if r["best"] is not None]
        if values:
            summary[name] = {
                "median": statistics.median(values),
                "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                "values": values,
            }
    return summary


def run_finetune(config: FinetuneConfig, progress: bool = True) -> dict[str, Any]:
    """All seeds of a run; writes ``results.json`` and ``results.md`` in ``output_dir``."""
    from accelerate import Accelerator

    spec = get_task(config.task)
    if config.method not in METHODS:
        raise ValueError(f"unknown method {config.method!r}; choose from {', '.join(METHODS)}")
    # With no accelerator device, cpu=True lets accelerate run torchrun's processes as gloo DDP.
    on_device = torch.cuda.is_available() or (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    )
    if int(os.environ.get("WORLD_SIZE", "1")) == 1:
        # accelerate keeps its state per process; let successive runs in one Python process
        # (a notebook, a sweep) change mixed precision
        from accelerate.state import AcceleratorState

        AcceleratorState._reset_state(reset_partial_state=True)
    accelerator = Accelerator(mixed_precision=config.mixed_precision, cpu=not on_device)
    out = Path(config.output_dir)
    if accelerator.is_main_process:
        out.mkdir(parents=True, exist_ok=True)
    accelerator.wait_for_everyone()
    runs = []
    for seed in config.seeds:
        runs.append(run_seed(config, seed, accelerator, progress))
    result = {
        "config": asdict(config),
        "task": spec.name,
        "main_metric": spec.metrics[0],
        "processes": accelerator.num_processes,
        "device": str(accelerator.device),
        "runs": runs,
        "summary": summarise(spec, runs),
    }
    if accelerator.is_main_process:
        (out / "results.json").write_text(json.dumps(result, indent=2))
        (out / "results.md").write_text(markdown_table(result))
    return result


def markdown_table(result: dict[str, Any]) -> str:
    """The paper-style summary table (median +- std across seeds) plus per-seed rows."""
    config, summary = result["config"], result["summary"]
    metrics = list(summary)
    lines = [
        f"# {result['task']} | {config['method']} | {config['model']}",
        "",
        "| metric | median | std | seeds |",
        "|---|---|---|---|",
    ]
    for name in metrics:
        s = summary[name]
        lines.append(f"| {name} | {s['median']:.4f} | {s['std']:.4f} | {len(s['values'])} |")
    lines += [
        "",
        "| seed | trainable params | best epoch | " + " | ".join(metrics) + " |",
        "|---|---|---|" + "---|" * len(metrics),
    ]
    for run in result["runs"]:
        best = run["best"] or {}
        values = " | ".join(f"{best.get(m, float('nan')):.4f}" for m in metrics)
        lines.append(
            f"| {run['seed']} | {run['trainable_parameters']:,} | {best.get('epoch', '-')} | {values} |"
        )
    return "\n".join(lines) + "\n"
