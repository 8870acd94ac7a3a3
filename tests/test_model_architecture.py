"""The fusion network: the wide path is the prior linear model at init, unseen categories, optional parts,
encodings."""

import numpy as np
import pytest
import torch

from tfbind.model import merge_config
from tfbind.model.architecture import BindingFusionModel, FusionEnsemble, architecture_config, expected_shapes
from tfbind.model.encoding import MASK_TOKEN, UNKNOWN_TOKEN, encode_index, encode_tokens

CATEGORIES = ["KIX", "NCBD", "TAZ1", "TAZ2"]
FEATURES = {"alphafold": ["iptm", "pdockq"], "interface": [], "sequence": ["tf_ncpr", "tf_frac_W", "tf_kappa"]}


def make_model(**overrides) -> BindingFusionModel:
    cfg = merge_config({**overrides, "features": FEATURES})
    return BindingFusionModel(architecture_config(cfg, cfg["features"], CATEGORIES))


def make_batch(n: int = 6, seed: int = 0, max_len: int = 24) -> dict:
    g = torch.Generator().manual_seed(seed)
    seqs = torch.randint(1, 21, (2, n, max_len), generator=g)
    seqs[:, :, max_len - 5:] = 0  # padding
    return {"x": torch.randn(n, 5, generator=g), "category": torch.tensor([0, 1, 2, 3, 1, 0][:n]),
            "tf_seq": seqs[0], "domain_seq": seqs[1]}


def test_untrained_model_is_the_prior_linear_model():
    torch.manual_seed(0)
    model = make_model().eval()
    w0 = torch.tensor([0.5, 0.5, 0.0, 0.0, 0.0])
    model.set_prior(w0)
    batch = make_batch()
    with torch.no_grad():
        z = model(batch)
    # deep output starts at zero, per-domain weights at zero: z = x . w0 exactly
    torch.testing.assert_close(z, batch["x"] @ w0)
    assert float(model.penalty(100.0, 30.0).detach()) == 0.0  # at the prior, no ridge penalty


def test_wide_path_per_domain_weights_and_bias_not_in_score():
    model = make_model(deep=False).eval()
    with torch.no_grad():
        model.w_shared.copy_(torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0]))
        model.w_domain[2, 1] = 2.0  # TAZ1 also reads pdockq
        model.category_bias.copy_(torch.tensor([5.0, 6.0, 7.0, 8.0]))
    x = torch.tensor([[1.0, 1.0, 0, 0, 0], [1.0, 1.0, 0, 0, 0]])
    z = model({"x": x, "category": torch.tensor([0, 2])})
    torch.testing.assert_close(z, torch.tensor([1.0, 3.0]))  # no category_bias in the ranking score
    torch.testing.assert_close(model.bias(torch.tensor([0, 2, -1])), torch.tensor([5.0, 7.0, 0.0]))
    # an unseen category (-1) uses the shared weights only
    torch.testing.assert_close(model({"x": x[:1], "category": torch.tensor([-1])}), torch.tensor([1.0]))


@pytest.mark.parametrize("overrides", [
    {}, {"cross_attention": True}, {"residue_encoder": "index", "max_len": 24},
    {"residue_encoder": "tokens", "shared_encoder": True, "max_len": 24, "num_heads": 2},
    {"wide": False},
])
def test_optional_components_build_and_train(overrides):
    torch.manual_seed(1)
    model = make_model(**overrides)
    batch = make_batch()
    if overrides.get("residue_encoder") == "index":
        batch["tf_seq"], batch["domain_seq"] = batch["tf_seq"].float(), batch["domain_seq"].float()
    with torch.no_grad():
        model.out.weight.normal_()  # leave the zero init so that gradients reach every part
    z = model(batch)
    assert z.shape == (6,) and torch.isfinite(z).all()
    (z + model.bias(batch["category"])).pow(2).sum().backward()
    for name, p in model.named_parameters():
        unused = name.startswith("w_") and not model.config["wide"]  # the wide weights of a deep-only model
        assert (p.grad is None) == unused, name


def test_empty_group_has_no_processor():
    model = make_model()
    assert model.group_sizes == [2, 3] and len(model.processors) == 2


def test_ensemble_stacks_members():
    cfg = merge_config({"features": FEATURES, "ensemble": 3})
    ens = FusionEnsemble(architecture_config(cfg, cfg["features"], CATEGORIES)).eval()
    with torch.no_grad():
        assert ens(make_batch()).shape == (3, 6)


@pytest.mark.parametrize("overrides", [
    {"ensemble": 1}, {"deep": False, "ensemble": 2}, {"wide": False}, {"cross_attention": True, "num_heads": 2},
    {"residue_encoder": "index", "max_len": 30}, {"residue_encoder": "tokens", "max_len": 30},
    {"residue_encoder": "tokens", "shared_encoder": True, "num_layers": 2, "cross_attention": True, "ensemble": 3},
])
def test_expected_shapes_are_the_state_dict_of_the_built_model(overrides):
    """checkpoint.load compares a file's weights with expected_shapes before building the model: it must name
    exactly the tensors, and their shapes, that building gives."""
    cfg = merge_config({**overrides, "features": FEATURES, "hidden_dim": 6})
    arch = architecture_config(cfg, cfg["features"], CATEGORIES)
    built = {name: tuple(t.shape) for name, t in FusionEnsemble(arch).state_dict().items()}
    assert {name: shape for name, (shape, _) in expected_shapes(arch).items()} == built


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
