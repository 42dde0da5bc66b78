"""Tiny random-weight RoBERTa models (no downloads)."""

import copy

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def tiny_config(**overrides):
    values = dict(
        vocab_size=120,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=40,
        num_labels=2,
    )
    values.update(overrides)
    return transformers.RobertaConfig(**values)


@pytest.fixture
def base_model():
    torch.manual_seed(0)
    return transformers.RobertaForSequenceClassification(tiny_config()).eval()


@pytest.fixture
def inputs():
    generator = torch.Generator().manual_seed(1)
    return torch.randint(3, 120, (4, 12), generator=generator)


@pytest.fixture
def fresh(base_model):
    return lambda: copy.deepcopy(base_model)
