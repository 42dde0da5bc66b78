import pytest
import torch

from expandermask.bundle import LinearShape, build_bundle
from expandermask.torch import apply_xora, export_peft_adapter, mask_peft_model, xora_layers

peft = pytest.importorskip("peft")


def test_export_loads_in_stock_peft_with_identical_logits(fresh, inputs, tmp_path):
    model = apply_xora(fresh(), r=8, dl=2, seed=1)
    with torch.no_grad():
        for _, layer in xora_layers(model):
            layer.lora_B_values.normal_(std=0.5)
        model.classifier.dense.weight.add_(0.1)
    export_peft_adapter(model, tmp_path)
    assert (tmp_path / "adapter_config.json").exists()
    loaded = peft.PeftModel.from_pretrained(fresh(), str(tmp_path)).eval()
    with torch.no_grad():
        torch.testing.assert_close(loaded(inputs).logits, model(inputs).logits, atol=1e-6, rtol=1e-6)
    lora_a = loaded.base_model.model.roberta.encoder.layer[0].attention.self.query.lora_A["default"].weight
    mask_a = dict(xora_layers(model))["roberta.encoder.layer.0.attention.self.query"].masks()[0]
    assert torch.all(lora_a[~mask_a] == 0)


def test_mask_peft_model_keeps_masked_entries_zero(fresh, inputs):
    config = peft.LoraConfig(r=8, lora_alpha=8, target_modules=["query", "value"], task_type="SEQ_CLS")
    model = peft.get_peft_model(fresh(), config)
    names = [f"roberta.encoder.layer.{i}.attention.self.{m}" for i in range(2) for m in ("query", "value")]
    bundle = build_bundle([LinearShape(n, 64, 64) for n in names], rank=8, dl=2)
    mask_peft_model(model, bundle)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-2, weight_decay=0.1
    )
    model.train()
    for _ in range(4):
        loss = model(inputs, labels=torch.tensor([0, 1, 0, 1])).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    for name in names:
        module = model.base_model.model.get_submodule(name)
        mask_a, mask_b = bundle.pair(name)
        a = module.lora_A["default"].weight.detach()
        b = module.lora_B["default"].weight.detach()
        assert torch.all(a[torch.as_tensor(mask_a.toarray() == 0)] == 0)
        assert torch.all(b[torch.as_tensor(mask_b.toarray() == 0)] == 0)
        assert b.abs().sum() > 0
    with pytest.raises(ValueError, match="no mask"):
        mask_peft_model(
            peft.get_peft_model(fresh(), config), build_bundle([LinearShape("x.query", 64, 64)], rank=8, dl=2)
        )
