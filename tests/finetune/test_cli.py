import json

import pytest
from click.testing import CliRunner

from expandermask.cli.main import main
from tests.finetune.conftest import GLUE


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_finetune_command_json(run, tiny_model, tmp_path):
    result = run(
        "finetune",
        "--task",
        "cola",
        "--model",
        str(tiny_model),
        "--data-dir",
        str(GLUE / "CoLA"),
        "--num-train-epochs",
        "1",
        "--per-device-train-batch-size",
        "16",
        "--seeds",
        "0,1",
        "--output-dir",
        "out",
        "--json",
        "--plot",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{") :])
    assert payload["main_metric"] == "matthews" and len(payload["runs"]) == 2
    assert (tmp_path / "out" / "results.md").exists()
    assert (tmp_path / "out" / "results.png").read_bytes()[:4] == b"\x89PNG"


def test_preset_values_are_overridable(run, tiny_model):
    result = run(
        "finetune",
        "--task",
        "mrpc",
        "--preset",
        "paper-base",
        "--model",
        str(tiny_model),
        "--data-dir",
        str(GLUE / "MRPC"),
        "--num-train-epochs",
        "1",
        "--max-seq-length",
        "64",
        "--output-dir",
        "out",
        "--json",
    )
    assert result.exit_code == 0, result.output
    config = json.loads(result.output[result.output.index("{") :])["config"]
    assert config["learning_rate"] == 4e-4 and config["per_device_train_batch_size"] == 16
    assert config["num_train_epochs"] == 1 and config["max_seq_length"] == 64 and config["alpha"] == 8.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "squad"], "Invalid value for '--task'"),
        (["--task", "mrpc", "--data-dir", "nowhere"], "does not exist"),
        (["--task", "mrpc"], "HF_HUB_OFFLINE"),
        (["--task", "mrpc", "--data-dir", "{glue}/CoLA"], "no column"),
        (["--task", "mrpc", "--model", "roberta-base", "--data-dir", "{glue}/MRPC"], "cannot load model"),
        (["--task", "mrpc", "--data-dir", "{glue}/MRPC", "--masks", "{bundle}"], "no masks for module"),
        (["--task", "mrpc", "--data-dir", "{glue}/MRPC", "--bf16", "--fp16"], "exclusive"),
    ],
)
def test_bad_input_is_one_line(run, tiny_model, tmp_path, args, message):
    from expandermask.bundle import LinearShape, build_bundle, save_bundle

    bundle = tmp_path / "other.npz"
    save_bundle(
        bundle,
        build_bundle([LinearShape("bert.encoder.layer.0.attention.self.query", 768, 768)], rank=8, dl=2),
    )
    args = [a.format(glue=GLUE, bundle=bundle) for a in args]
    if "--model" not in args:
        args += ["--model", str(tiny_model)]
    result = run("finetune", *args, "--output-dir", "out")
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and message in lines[0], result.output
    assert "Traceback" not in result.output
