import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from click.testing import CliRunner

from expandermask.cli.main import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def test_generate_main_job_default_name(run, tmp_path):
    result = run("generate", "--left", "768", "--right", "8", "--dl", "2")
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output and "(2, 192)-biregular" in result.output
    path = tmp_path / "xora_768x8_dl2_random_s0.npz"
    matrix = sp.load_npz(path).toarray()
    assert matrix.shape == (768, 8)
    assert np.all(matrix.sum(axis=1) == 2) and np.all(matrix.sum(axis=0) == 192)


def test_generate_json_and_same_bytes(run, tmp_path):
    a = run("generate", "--left", "96", "--right", "8", "--dl", "2", "--seed", "4", "-o", "a.npz", "--json")
    b = run("generate", "--left", "96", "--right", "8", "--dl", "2", "--seed", "4", "-o", "b.npz")
    assert a.exit_code == b.exit_code == 0
    payload = json.loads(a.output)
    assert payload["report"]["is_ramanujan"] is True
    assert payload["report"]["dl"] == 2 and payload["report"]["dr"] == 24
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


@pytest.mark.parametrize(
    "args",
    [
        ["--left", "10", "--right", "8", "--dl", "3"],
        ["--left", "0", "--right", "8", "--dl", "2"],
        ["--left", "-5", "--right", "8", "--dl", "2"],
        ["--left", "16", "--right", "8", "--dl", "9"],
        ["--left", "768", "--right", "8", "--dl", "2", "--method", "nope"],
        ["--left", "768", "--right", "8", "--dl", "2", "-o", "missing/dir/x.npz"],
        ["--left", "768", "--right", "8", "--dl", "2", "--max-tries", "0"],
        ["--left", "768", "--right", "8", "--dl", "1"],
        ["--left", "x", "--right", "8", "--dl", "2"],
    ],
)
def test_generate_bad_input_one_line_no_file(run, tmp_path, args):
    result = run("generate", *args)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    assert not any(p.suffix in (".npz", ".tmp") for p in tmp_path.rglob("*"))


def test_verify_exit_codes(run, tmp_path):
    assert run("generate", "--left", "96", "--right", "8", "--dl", "2", "-o", "ok.npz").exit_code == 0
    ok = run("verify", "ok.npz")
    assert ok.exit_code == 0 and "PASS" in ok.output
    payload = json.loads(run("verify", "ok.npz", "--json").output)
    assert payload["passed"] is True and payload["stored_report_agrees"] is True

    # a valid, biregular but disconnected (so non-Ramanujan) plain scipy file
    block = sp.csr_array(np.kron(np.eye(4, dtype=np.int32), np.ones((4, 2), dtype=np.int32)))
    sp.save_npz(tmp_path / "fail.npz", block)
    fail = run("verify", "fail.npz")
    assert fail.exit_code == 1 and "FAIL" in fail.output

    (tmp_path / "junk.npz").write_text("not a zip")
    bad = run("verify", "junk.npz")
    assert bad.exit_code == 2 and bad.output.startswith("Error: ")
    assert run("verify", "absent.npz").exit_code == 2
    assert run("info", "junk.npz").exit_code == 2


def test_verify_never_trusts_meta(run, tmp_path):
    assert run("generate", "--left", "96", "--right", "8", "--dl", "2", "-o", "ok.npz").exit_code == 0
    with np.load(tmp_path / "ok.npz") as archive:
        members = {k: archive[k] for k in archive.files}
    meta = json.loads(members["meta"].item())
    meta["report"]["sigma_2"] = 0.5
    members["meta"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "lying.npz", **members)
    result = run("verify", "lying.npz", "--json")
    payload = json.loads(result.output.split("warning")[0])
    assert payload["stored_report_agrees"] is False
    dense = sp.load_npz(tmp_path / "ok.npz").toarray().astype(float)
    assert abs(payload["report"]["sigma_2"] - np.linalg.svd(dense, compute_uv=False)[1]) < 1e-8


def test_info(run):
    assert run("generate", "--left", "96", "--right", "8", "--dl", "2", "-o", "ok.npz").exit_code == 0
    text = run("info", "ok.npz")
    assert text.exit_code == 0 and "96 x 8" in text.output and "seed 0" in text.output
    payload = json.loads(run("info", "ok.npz", "--json").output)
    assert payload["degrees"] == [2, 24] and payload["meta"]["method"] == "random"


def test_installed_console_script(tmp_path):
    exe = shutil.which("expandermask")
    command = [exe] if exe else [sys.executable, "-m", "expandermask"]
    out = tmp_path / "m.npz"
    done = subprocess.run(
        [*command, "generate", "--left", "768", "--right", "8", "--dl", "2", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert done.returncode == 0, done.stderr
    assert sp.load_npz(out).shape == (768, 8)
    bad = subprocess.run(
        [*command, "generate", "--left", "10", "--right", "8", "--dl", "3"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert bad.stderr.strip().count("\n") == 0 and "Traceback" not in bad.stderr


def test_lps_command_forms_and_verify(run, tmp_path):
    result = run("lps", "--p", "5", "--q", "13", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["graph_report"]["is_ramanujan"] and payload["graph_report"]["degree"] == 6
    assert sp.load_npz(tmp_path / "lps_p5_q13_bipartite.npz").shape == (1092, 1092)
    assert run("verify", "lps_p5_q13_bipartite.npz").exit_code == 0
    assert run("lps", "--p", "17", "--q", "13", "--form", "adjacency", "-o", "adj.npz").exit_code == 0
    adjacency = sp.load_npz(tmp_path / "adj.npz")
    assert adjacency.shape == (1092, 1092) and (adjacency != adjacency.T).nnz == 0
    verified = run("verify", "adj.npz", "--json")
    assert verified.exit_code == 0 and json.loads(verified.output)["report"]["is_bipartite"] is False
    assert run("lps", "--p", "5", "--q", "13", "--form", "incidence", "-o", "inc.npz").exit_code == 0
    assert sp.load_npz(tmp_path / "inc.npz").shape == (6552, 2184)


def test_lps_list_and_errors(run):
    listing = run("lps", "--list", "--max-vertices", "3000")
    assert listing.exit_code == 0 and "PGL" in listing.output and "6552x2184" in listing.output
    for args in (["--p", "7", "--q", "13"], ["--p", "29", "--q", "5"], ["--p", "5"]):
        result = run("lps", *args)
        assert result.exit_code != 0 and result.output.startswith("Error: ")
        assert len(result.output.strip().splitlines()) == 1


def test_generate_lift_and_lps_methods(run, tmp_path):
    lift = run("generate", "--left", "768", "--right", "8", "--dl", "2", "--method", "lift", "--json")
    assert lift.exit_code == 0
    assert json.loads(lift.output)["report"]["rank"] == 7
    assert run("generate", "--left", "96", "--right", "8", "--dl", "2", "-o", "base.npz").exit_code == 0
    based = run(
        "generate",
        "--left",
        "384",
        "--right",
        "32",
        "--dl",
        "2",
        "--method",
        "lift",
        "--base",
        "base.npz",
        "-o",
        "lifted.npz",
    )
    assert based.exit_code == 0, based.output
    lps = run("generate", "--left", "6552", "--right", "2184", "--dl", "2", "--method", "lps", "-o", "l.npz")
    assert lps.exit_code == 0
    no_fit = run("generate", "--left", "768", "--right", "8", "--dl", "2", "--method", "lps")
    assert no_fit.exit_code == 1 and "nearest" in no_fit.output
    bad_r = run("generate", "--left", "768", "--right", "12", "--dl", "5", "--method", "lift")
    assert bad_r.exit_code == 1 and "not whole" in bad_r.output


def test_model_masks_preset_and_errors(run, tmp_path):
    result = run(
        "model-masks",
        "--preset",
        "roberta-base",
        "--targets",
        "query,value",
        "--rank",
        "8",
        "--dl",
        "2",
        "-o",
        "rb.npz",
        "--json",
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["masks"] == 48 and summary["all_ramanujan"]
    assert summary["nonzeros"] == 73_728 and summary["dense_lora_entries"] == 294_912
    from expandermask.bundle import load_bundle

    bundle = load_bundle(tmp_path / "rb.npz")
    assert bundle.pair("roberta.encoder.layer.11.attention.self.value")[0].shape == (8, 768)
    for args in (
        ["--preset", "gpt-9", "-o", "x.npz"],
        ["-o", "x.npz"],
        ["--preset", "roberta-base", "--targets", "q_proj", "-o", "x.npz"],
        ["--preset", "roberta-base", "--rank", "7", "-o", "x.npz"],
        ["--model", str(tmp_path / "nowhere"), "-o", "x.npz"],
    ):
        bad = run("model-masks", *args)
        assert bad.exit_code != 0 and bad.output.startswith("Error: ")
        assert len(bad.output.strip().splitlines()) == 1, bad.output
    assert not (tmp_path / "x.npz").exists()


def test_model_masks_from_local_config(run, tmp_path):
    transformers = pytest.importorskip("transformers")
    config = transformers.RobertaConfig(
        vocab_size=100,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        architectures=["RobertaForSequenceClassification"],
    )
    config.save_pretrained(tmp_path / "tiny")
    result = run(
        "model-masks",
        "--model",
        str(tmp_path / "tiny"),
        "--targets",
        "query,value,dense",
        "-o",
        "tiny.npz",
        "--json",
    )
    assert result.exit_code == 0, result.output
    # query, value, attention.output.dense, intermediate.dense, output.dense per layer + classifier.dense
    assert json.loads(result.output)["modules"] == 2 * 5 + 1
