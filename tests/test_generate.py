import numpy as np
import pytest
from hypothesis import given, settings

from expandermask import NotRamanujanError, generate_mask, verify_graph
from tests.conftest import biregular_shapes, dense_singular_values


def test_xora_rank8_mask():
    mask = generate_mask(768, 8, 2, seed=0)
    dense = mask.to_dense()
    assert dense.shape == (768, 8)
    assert np.all(dense.sum(axis=1) == 2) and np.all(dense.sum(axis=0) == 192)
    assert mask.density == 0.25
    assert mask.report.is_ramanujan
    sigma = dense_singular_values(mask)
    assert sigma[1] <= 1 + np.sqrt(191)
    assert mask.meta["method"] == "random" and mask.meta["seed"] == 0


@settings(max_examples=30, deadline=None)
@given(biregular_shapes(max_side=24))
def test_result_is_verified_or_error(shape):
    try:
        mask = generate_mask(*shape, seed=1, max_tries=5)
    except NotRamanujanError as error:
        assert "Ramanujan" in str(error)
        return
    assert mask.report == verify_graph(mask)
    assert mask.report.is_ramanujan
    assert dense_singular_values(mask)[1:2].max(initial=0) <= mask.report.ramanujan_bound + 1e-9


def test_impossible_shape_fails_fast_or_returns_best():
    with pytest.raises(NotRamanujanError, match="can be Ramanujan"):
        generate_mask(768, 8, 1)
    best = generate_mask(768, 8, 1, max_tries=2, allow_non_ramanujan=True)
    assert not best.report.is_ramanujan
    assert best.meta["tries"] == 2


def test_retry_budget_exhausted_carries_best(monkeypatch):
    import expandermask.generate as generate_module

    monkeypatch.setattr(generate_module, "ramanujan_bound", lambda dl, dr: 100.0)
    real_verify = generate_module.verify_graph

    def failing_verify(graph):
        from dataclasses import replace

        return replace(real_verify(graph), is_ramanujan=False)

    monkeypatch.setattr(generate_module, "verify_graph", failing_verify)
    with pytest.raises(NotRamanujanError, match="in 3 tries") as info:
        generate_mask(96, 8, 2, max_tries=3)
    assert info.value.best is not None and info.value.best.degrees == (2, 24)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "magic"}, "unknown method"),
        ({"max_tries": 0}, "max_tries"),
        ({"max_tries": True}, "max_tries"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_mask(96, 8, 2, **kwargs)


def test_same_seed_same_mask_and_generator_seed():
    a = generate_mask(4096, 64, 2, seed=9)
    b = generate_mask(4096, 64, 2, seed=9)
    assert (a.biadjacency != b.biadjacency).nnz == 0
    c = generate_mask(96, 8, 2, seed=np.random.default_rng(3))
    assert c.meta["seed"] is None
