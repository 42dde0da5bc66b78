import pytest
import torch

from expandermask.bundle import LinearShape, build_bundle, save_bundle
from expandermask.torch import apply_xora, load_xora, save_xora, xora_layers, xora_summary


def _train(model, inputs, steps=4):
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-2, weight_decay=0.1)
    labels = torch.tensor([0, 1, 0, 1])
    for _ in range(steps):
        loss = model(inputs, labels=labels).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


def test_unchanged_at_step_zero_and_counts(fresh, inputs):
    base = fresh()
    model = apply_xora(fresh(), target_modules=("query", "value"), r=8, dl=2)
    with torch.no_grad():
        torch.testing.assert_close(model(inputs).logits, base(inputs).logits)
    summary = xora_summary(model)
    # 2 layers x 2 modules x (A: 8x64 + B: 64x8) = 2048 dense; 25% kept
    assert summary["dense_lora_equivalent"] == 2 * 2 * (8 * 64 + 64 * 8)
    assert summary["adapter_nonzeros"] == summary["dense_lora_equivalent"] // 4
    head = sum(p.numel() for p in base.classifier.parameters())
    assert summary["head"] == head
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert trainable == summary["adapter_nonzeros"] + head


def test_masked_entries_stay_zero_and_adapter_learns(fresh, inputs):
    model = _train(apply_xora(fresh(), r=8, dl=2), inputs)
    for _, layer in xora_layers(model):
        mask_a, mask_b = layer.masks()
        assert torch.all(layer.lora_A()[~mask_a] == 0) and torch.all(layer.lora_B()[~mask_b] == 0)
        assert layer.lora_B_values.abs().sum() > 0


def test_merge_all_layers(fresh, inputs):
    model = _train(apply_xora(fresh(), r=8, dl=2), inputs)
    with torch.no_grad():
        unmerged = model(inputs).logits
        for _, layer in xora_layers(model):
            layer.merge()
        torch.testing.assert_close(model(inputs).logits, unmerged, atol=1e-5, rtol=1e-5)


def test_save_load_round_trip(fresh, inputs, tmp_path):
    model = _train(apply_xora(fresh(), r=8, dl=2, seed=4), inputs)
    save_xora(model, tmp_path)
    restored = load_xora(fresh(), tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(restored(inputs).logits, model(inputs).logits, atol=0, rtol=0)
    # values (float32) + 1 bit per dense entry + head: well under a dense LoRA file
    adapter_bytes = (
        4 * xora_summary(model)["adapter_nonzeros"] + xora_summary(model)["dense_lora_equivalent"] // 8
    )
    head_bytes = 4 * xora_summary(model)["head"]
    assert (tmp_path / "adapter_model.safetensors").stat().st_size < adapter_bytes + head_bytes + 4096


def test_bundle_file_and_mismatch_errors(fresh, tmp_path):
    names = [f"roberta.encoder.layer.{i}.attention.self.{m}" for i in range(2) for m in ("query", "value")]
    bundle = build_bundle([LinearShape(n, 64, 64) for n in names], rank=8, dl=2, seed=0)
    save_bundle(tmp_path / "b.npz", bundle)
    model = apply_xora(fresh(), masks=tmp_path / "b.npz")
    a, _ = bundle.pair(names[0])
    layer = dict(xora_layers(model))[names[0]]
    assert torch.equal(layer.masks()[0], torch.as_tensor(a.toarray() == 1))
    # generated on the fly with the same seed = the same bundle
    generated = dict(xora_layers(apply_xora(fresh(), seed=0)))[names[0]]
    assert torch.equal(generated.lora_A_index, layer.lora_A_index)
    with pytest.raises(ValueError, match=r"attention.self.key"):
        apply_xora(fresh(), target_modules=("query", "key"), masks=bundle)
    with pytest.raises(ValueError, match="rank 8"):
        apply_xora(fresh(), r=4, masks=bundle)
    wrong = build_bundle([LinearShape(n, 32, 64) for n in names], rank=8, dl=2)
    with pytest.raises(ValueError, match=r"layer.0.attention.self.query.*do not fit"):
        apply_xora(fresh(), masks=wrong)
    with pytest.raises(ValueError, match=r"no nn.Linear"):
        apply_xora(fresh(), target_modules=("nothing",))
