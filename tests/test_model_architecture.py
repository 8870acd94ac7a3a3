"""The fusion network: shapes for both encodings, the per-category bias gather, gradient flow, encodings."""

import numpy as np
import pytest
import torch

from tfbind.model import merge_config
from tfbind.model.architecture import BindingFusionModel, architecture_config
from tfbind.model.encoding import MASK_TOKEN, UNKNOWN_TOKEN, encode_index, encode_tokens

CATEGORIES = ["KIX", "NCBD", "TAZ1", "TAZ2"]
SMALL = {"embed_dim": 8, "hidden_dim": 16, "num_heads": 2, "num_layers": 1, "max_len": 24}


def make_model(encoding: str, **overrides) -> BindingFusionModel:
    cfg = merge_config({**SMALL, "encoding": encoding, **overrides})
    return BindingFusionModel(architecture_config(cfg, cfg["features"], CATEGORIES))


def make_batch(model: BindingFusionModel, n: int = 5, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    L = model.config["max_len"]
    seqs = []
    for _ in range(2):
        tokens = torch.randint(1, 21, (n, L), generator=g)
        tokens[:, L - 5:] = 0  # some padding
        seqs.append(tokens.float() if model.config["encoding"] == "index" else tokens)
    feats = model.config["features"]
    return {
        "tf_seq": seqs[0],
        "domain_seq": seqs[1],
        "interface": torch.randn(n, len(feats["interface"]), generator=g),
        "alphafold": torch.randn(n, len(feats["alphafold"]), generator=g),
        "category": torch.tensor([0, 1, 2, 3, 1][:n] + [0] * max(0, n - 5)),
    }


@pytest.mark.parametrize("encoding", ["index", "tokens"])
def test_scores_shape_and_range(encoding):
    model = make_model(encoding).eval()
    scores = model(make_batch(model, 5))
    assert scores.shape == (5,)
    assert torch.all((scores > 0) & (scores < 1))
    assert model.logits(make_batch(model, 5)).shape == (5,)


def test_default_dimensions_build():
    cfg = merge_config({})
    assert (cfg["embed_dim"], cfg["hidden_dim"], cfg["num_heads"], cfg["num_layers"], cfg["dropout"]) == (
        64, 128, 4, 2, 0.2)
    model = BindingFusionModel(architecture_config(cfg, cfg["features"], CATEGORIES)).eval()
    assert model(make_batch(model, 3)).shape == (3,)


def test_category_bias_is_a_gather():
    model = make_model("index").eval()
    with torch.no_grad():
        model.category_bias.copy_(torch.tensor([0.5, -1.0, 2.0, 3.5]))
    batch = make_batch(model, 5)
    with torch.no_grad():
        added = model.logits(batch) - model.head_logits(batch)
    looped = torch.stack([model.category_bias[int(c)] for c in batch["category"]]).detach()
    torch.testing.assert_close(added, looped)


GROUP_MODULES = [
    "tf_processor",
    "domain_processor",
    "interface_processor",
    "alphafold_processor",
    "category_embedding",
    "sequence_encoder",
    "tf_interface_attention",
    "tf_alphafold_attention",
    "domain_alphafold_attention",
]


@pytest.mark.parametrize("encoding", ["index", "tokens"])
def test_gradients_reach_every_input_group(encoding):
    torch.manual_seed(0)
    model = make_model(encoding, dropout=0.0)
    model(make_batch(model, 5)).sum().backward()
    names = GROUP_MODULES + (["residue_embedding", "position_embedding"] if encoding == "tokens" else [])
    for name in names:
        params = list(getattr(model, name).named_parameters())
        assert params, name
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for _, p in params), f"{name}: no gradient"
    # each cross-attention's query and key projections are trained too (keys are the feature tokens)
    for name in ["tf_interface_attention", "tf_alphafold_attention", "domain_alphafold_attention"]:
        att = getattr(model, name)
        for proj in (att.query_proj, att.key_proj, att.value_proj):
            assert proj.weight.grad.abs().sum() > 0, f"{name}: a projection gets no gradient"


def test_tokens_padding_does_not_change_scores():
    """A short sequence scores the same alone (no padding) and beside a long one (padding + key mask)."""
    model = make_model("tokens", max_len=40).eval()
    batch = make_batch(model, 2)
    for key in ("tf_seq", "domain_seq"):
        batch[key][0, 10:] = 0
        batch[key][1, :] = torch.randint(1, 21, (40,), generator=torch.Generator().manual_seed(1))
    alone = {k: v[:1] for k, v in batch.items()}
    with torch.no_grad():
        torch.testing.assert_close(model(batch)[:1], model(alone))


def test_index_encoding():
    enc = encode_index(["ACY", "XWa", None], max_len=4)
    assert enc.dtype == np.float32 and enc.shape == (3, 4)
    np.testing.assert_array_equal(enc[0], [1, 2, 20, 0])
    np.testing.assert_array_equal(enc[1], [0, 19, 1, 0])  # X -> 0, lower case like upper case
    np.testing.assert_array_equal(enc[2], [0, 0, 0, 0])
    assert encode_index(["ACDEFG"], max_len=3).tolist() == [[1, 2, 3]]  # truncated to max_len


def test_token_encoding():
    enc = encode_tokens(["ACY", "XB"], max_len=4)
    assert enc.dtype == np.int64
    np.testing.assert_array_equal(enc, [[1, 2, 20, 0], [UNKNOWN_TOKEN, UNKNOWN_TOKEN, 0, 0]])
    assert MASK_TOKEN not in (0, UNKNOWN_TOKEN) and MASK_TOKEN < 23
