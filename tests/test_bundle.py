import json

import numpy as np
import pytest

from expandermask import MaskFileError
from expandermask.bundle import (
    LinearShape,
    build_bundle,
    load_bundle,
    matches_target,
    preset_shapes,
    save_bundle,
)
from expandermask.io import write_npz_atomic


def test_presets_shapes():
    shapes = preset_shapes("roberta-base", ["query", "value"])
    assert len(shapes) == 24 and all(s.in_features == s.out_features == 768 for s in shapes)
    llama = preset_shapes(
        "llama-3-8b", ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    )
    assert len(llama) == 32 * 7
    table = {s.name.split(".")[-1]: (s.in_features, s.out_features) for s in llama[:7]}
    assert table == {
        "q_proj": (4096, 4096),
        "k_proj": (4096, 1024),
        "v_proj": (4096, 1024),
        "o_proj": (4096, 4096),
        "gate_proj": (4096, 14336),
        "up_proj": (4096, 14336),
        "down_proj": (14336, 4096),
    }
    assert len(preset_shapes("roberta-large", ["query"])) == 24
    with pytest.raises(ValueError, match="unknown preset"):
        preset_shapes("gpt-9", ["query"])
    with pytest.raises(ValueError, match="no module"):
        preset_shapes("bert-base", ["q_proj"])


def test_matches_target_is_peft_rule():
    assert matches_target("a.b.query", ["query"])
    assert not matches_target("a.b.myquery", ["query"])
    assert matches_target("a.b.query", ["b.query"])


def test_bundle_masks_degrees_and_round_trip(tmp_path):
    shapes = [LinearShape("enc.0.query", 96, 48), LinearShape("enc.0.value", 96, 96)]
    bundle = build_bundle(shapes, rank=8, dl=2, seed=3)
    a, b = bundle.pair("enc.0.query")
    assert a.shape == (8, 96) and b.shape == (48, 8)
    dense_a, dense_b = a.toarray(), b.toarray()
    assert np.all(dense_b.sum(axis=1) == 2) and np.all(dense_b.sum(axis=0) == 12)
    assert np.all(dense_a.sum(axis=0) == 2) and np.all(dense_a.sum(axis=1) == 24)
    assert all(
        bundle.meta["modules"][m][p]["report"]["is_ramanujan"]
        for m in bundle.modules
        for p in ("lora_A", "lora_B")
    )
    path = tmp_path / "b.npz"
    save_bundle(path, bundle)
    again = load_bundle(path)
    assert again.meta == json.loads(json.dumps(bundle.meta))
    for name, mask in bundle.masks.items():
        assert (again.masks[name] != mask).nnz == 0
    other = tmp_path / "c.npz"
    save_bundle(other, build_bundle(shapes, rank=8, dl=2, seed=3))
    assert other.read_bytes() == path.read_bytes()


def test_bundle_errors_name_module(tmp_path):
    with pytest.raises(ValueError, match=r"enc.bad.lora_B"):
        build_bundle([LinearShape("enc.bad", 96, 50)], rank=8, dl=3)
    path = tmp_path / "b.npz"
    save_bundle(path, build_bundle([LinearShape("m", 16, 16)], rank=4, dl=2))
    with np.load(path) as archive:
        members = {k: archive[k] for k in archive.files}
    members["m.lora_A/shape"] = np.array([5, 16])
    write_npz_atomic(tmp_path / "bad.npz", members)
    with pytest.raises(MaskFileError, match=r"m.lora_A"):
        load_bundle(tmp_path / "bad.npz")
    with pytest.raises(MaskFileError):
        load_bundle(tmp_path / "absent.npz")
