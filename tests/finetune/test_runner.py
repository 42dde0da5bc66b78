import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from expandermask.finetune import FinetuneConfig, run_finetune
from tests.finetune.conftest import GLUE

TASKS = {"mrpc": "MRPC", "stsb": "STS-B", "cola": "CoLA"}


def _config(tiny_model, tmp_path, task="mrpc", **kw):
    values = dict(
        task=task,
        model=str(tiny_model),
        data_dir=str(GLUE / TASKS[task]),
        num_train_epochs=1,
        per_device_train_batch_size=8,
        learning_rate=5e-3,
        output_dir=str(tmp_path / "out"),
    )
    values.update(kw)
    return FinetuneConfig(**values)


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("method", ["xora", "lora", "random", "full"])
def test_each_task_and_method(tiny_model, tmp_path, task, method):
    result = run_finetune(_config(tiny_model, tmp_path, task, method=method, seeds=[0, 1]), progress=False)
    out = tmp_path / "out"
    saved = json.loads((out / "results.json").read_text())
    assert saved["summary"] == json.loads(json.dumps(result["summary"]))
    assert "| seed |" in (out / "results.md").read_text()
    for name, stats in result["summary"].items():
        low = -1.0 if name in ("matthews", "pearson", "spearman") else 0.0
        assert all(low <= v <= 1.0 for v in stats["values"]) and len(stats["values"]) == 2
    counts = {run["trainable_parameters"] for run in result["runs"]}
    from transformers import AutoModelForSequenceClassification

    num_labels = 1 if task == "stsb" else 2
    base = AutoModelForSequenceClassification.from_pretrained(
        str(tiny_model), num_labels=num_labels, ignore_mismatched_sizes=True
    )
    head = sum(p.numel() for p in base.classifier.parameters())
    total = sum(p.numel() for p in base.parameters())
    dense_lora = 2 * 2 * 8 * (32 + 32)  # layers x (query, value) x r x (in + out)
    if method == "xora":
        assert counts == {dense_lora // 4 + head}  # 75% sparsity: nonzeros + head
    elif method == "lora":
        assert counts == {dense_lora + head}
    elif method == "full":
        assert counts == {total}
    else:  # Bernoulli masks: about the XoRA density, different per seed
        assert all(abs(c - head - dense_lora // 4) < dense_lora // 8 for c in counts)
    assert (out / "seed0" / "trainable_state.safetensors").exists()


def test_resume_gives_same_result(tiny_model, tmp_path):
    straight = run_finetune(_config(tiny_model, tmp_path / "a", num_train_epochs=3), progress=False)
    partial = _config(tiny_model, tmp_path / "b", num_train_epochs=3, stop_after_epochs=1)
    first = run_finetune(partial, progress=False)
    assert not first["runs"][0]["complete"] and len(first["runs"][0]["epochs"]) == 1
    checkpoint = tmp_path / "b" / "out" / "seed0" / "checkpoint"
    assert sorted(p.name for p in checkpoint.iterdir()) == ["optim.pt", "state.json", "trainable.safetensors"]
    partial.stop_after_epochs = None
    partial.resume = True
    resumed = run_finetune(partial, progress=False)
    assert resumed["runs"][0]["complete"]
    assert resumed["runs"][0]["epochs"] == straight["runs"][0]["epochs"]
    a = load_file(str(tmp_path / "a" / "out" / "seed0" / "trainable_state.safetensors"))
    b = load_file(str(tmp_path / "b" / "out" / "seed0" / "trainable_state.safetensors"))
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-6, rtol=1e-5)


@pytest.mark.skipif(shutil.which("torchrun") is None, reason="torchrun not installed")
def test_two_process_ddp_matches_single_process(tiny_model, tmp_path):
    common = [
        "--task",
        "mrpc",
        "--model",
        str(tiny_model),
        "--data-dir",
        str(GLUE / "MRPC"),
        "--num-train-epochs",
        "1",
        "--learning-rate",
        "5e-3",
        "--max-train-samples",
        "32",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    single = subprocess.run(
        [
            sys.executable,
            "-m",
            "expandermask.finetune",
            *common,
            "--per-device-train-batch-size",
            "8",
            "--output-dir",
            str(tmp_path / "single"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert single.returncode == 0, single.stderr[-2000:]
    ddp = subprocess.run(
        [
            "torchrun",
            "--nproc_per_node",
            "2",
            "--master_port",
            "29517",
            "-m",
            "expandermask.finetune",
            *common,
            "--per-device-train-batch-size",
            "4",
            "--output-dir",
            str(tmp_path / "ddp"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert ddp.returncode == 0, ddp.stderr[-2000:]
    result = json.loads((tmp_path / "ddp" / "results.json").read_text())
    assert result["processes"] == 2
    a = load_file(str(tmp_path / "single" / "seed0" / "trainable_state.safetensors"))
    b = load_file(str(tmp_path / "ddp" / "seed0" / "trainable_state.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=1e-5, rtol=1e-4)


def test_mixed_precision_runs_in_one_process(tiny_model, tmp_path):
    bf16 = run_finetune(_config(tiny_model, tmp_path / "bf16", mixed_precision="bf16"), progress=False)
    fp16 = run_finetune(_config(tiny_model, tmp_path / "fp16", mixed_precision="fp16"), progress=False)
    plain = run_finetune(_config(tiny_model, tmp_path / "fp32"), progress=False)
    for result in (bf16, fp16, plain):
        assert result["runs"][0]["complete"]
        assert 0.0 <= result["summary"]["accuracy"]["median"] <= 1.0
