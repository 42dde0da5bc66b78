import numpy as np
import pytest
import scipy.sparse as sp
import torch

from expandermask import generate_mask
from expandermask.torch import ExpanderLinear, XoRALinear


def _layer(in_features=64, out_features=32, r=8, dl=2, **kwargs):
    torch.manual_seed(0)
    mask_a = generate_mask(in_features, r, dl, seed=0).biadjacency.T
    mask_b = generate_mask(out_features, r, dl, seed=1).biadjacency
    return XoRALinear(torch.nn.Linear(in_features, out_features), mask_a, mask_b, **kwargs), mask_a, mask_b


def test_packed_parameters_and_dense_factors():
    layer, mask_a, mask_b = _layer()
    assert layer.lora_A_values.numel() == mask_a.nnz == 128
    assert layer.lora_B_values.numel() == mask_b.nnz == 64
    trainable = [p for p in layer.parameters() if p.requires_grad]
    assert sum(p.numel() for p in trainable) == 192  # base frozen
    a = layer.lora_A().detach().numpy()
    assert np.all(a[sp.csr_array(mask_a).toarray() == 0] == 0)
    bound = 1 / np.sqrt(64)
    assert np.abs(layer.lora_A_values.detach().numpy()).max() <= bound
    assert torch.all(layer.lora_B() == 0)
    mask_t_a, mask_t_b = layer.masks()
    assert torch.equal(mask_t_a, torch.as_tensor(sp.csr_array(mask_a).toarray() == 1))
    assert torch.equal(mask_t_b, torch.as_tensor(sp.csr_array(mask_b).toarray() == 1))


def test_forward_matches_dense_formula():
    layer, _, _ = _layer(alpha=16)
    with torch.no_grad():
        layer.lora_B_values.normal_()
    x = torch.randn(5, 64)
    expected = layer.base(x) + (16 / 8) * x @ layer.lora_A().T @ layer.lora_B().T
    torch.testing.assert_close(layer(x), expected)


def test_gradients_only_on_kept_entries():
    layer, _, _ = _layer()
    with torch.no_grad():
        layer.lora_B_values.normal_()
    layer(torch.randn(3, 64)).sum().backward()
    assert layer.lora_A_values.grad.shape == layer.lora_A_values.shape
    assert layer.base.weight.grad is None


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float16])
def test_merge_unmerge(dtype):
    layer, _, _ = _layer()
    layer = layer.to(dtype)
    with torch.no_grad():
        layer.lora_B_values.normal_(std=0.1)
    x = torch.randn(4, 64, dtype=dtype)
    before = layer(x)
    weight = layer.base.weight.detach().clone()
    layer.merge()
    tol = {"atol": 1e-5, "rtol": 1e-5} if dtype == torch.float32 else {"atol": 5e-2, "rtol": 5e-2}
    torch.testing.assert_close(layer(x), before, **tol)
    delta = layer.delta_weight().float()
    torch.testing.assert_close(
        delta, (layer.scaling * layer.lora_B().float() @ layer.lora_A().float()).to(dtype).float()
    )
    layer.unmerge()
    torch.testing.assert_close(layer.base.weight, weight, **tol)


def test_density_init_scale():
    lora, _, _ = _layer(init_scale="lora")
    dense, _, _ = _layer(init_scale="density")
    ratio = (dense.lora_A_values.abs().max() / lora.lora_A_values.abs().max()).item()
    assert ratio == pytest.approx(2.0, rel=1e-5)  # 1/sqrt(0.25)
    with pytest.raises(ValueError, match="init_scale"):
        _layer(init_scale="bogus")


def test_shape_mismatch():
    mask = generate_mask(64, 8, 2, seed=0).biadjacency
    with pytest.raises(ValueError, match="do not fit"):
        XoRALinear(torch.nn.Linear(64, 32), mask, mask)


def test_torch_compile_forward_matches_eager():
    layer, _, _ = _layer()
    with torch.no_grad():
        layer.lora_B_values.normal_()
    x = torch.randn(2, 64)
    compiled = torch.compile(layer, backend="eager", fullgraph=True)
    torch.testing.assert_close(compiled(x), layer(x))


def test_expander_linear_sparse_mlp():
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(ExpanderLinear(64, 128, dl=8), torch.nn.ReLU(), ExpanderLinear(128, 16, dl=32))
    first = mlp[0]
    assert first.values.numel() == 128 * 8
    weight = first.weight().detach()
    assert torch.all((weight != 0).sum(dim=1) <= 8)
    assert first.report.is_ramanujan
    x, y = torch.randn(32, 64), torch.randint(0, 10, (32,))
    optimizer = torch.optim.Adam(mlp.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = torch.nn.functional.cross_entropy(mlp(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert torch.all((mlp[0].weight().detach() != 0).sum(dim=1) <= 8)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_cuda_forward_merge():
    layer, _, _ = _layer()
    layer = layer.cuda()
    with torch.no_grad():
        layer.lora_B_values.normal_()
    x = torch.randn(4, 64, device="cuda")
    out = layer(x)
    layer.merge()
    torch.testing.assert_close(layer(x), out, atol=1e-4, rtol=1e-4)
