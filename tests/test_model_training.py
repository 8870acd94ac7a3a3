"""Training, checkpoints, prediction, targets and splits of the fusion model (synthetic tables, tiny dims)."""

import numpy as np
import pandas as pd
import pytest
import torch

from tfbind.errors import InputError
from tfbind.model import DEFAULT_TRAIN_CONFIG, merge_config
from tfbind.model import checkpoint
from tfbind.model.architecture import BindingFusionModel, architecture_config
from tfbind.model.data import TargetTransform, join_labels, make_split, split_group_tf, split_stratified
from tfbind.model.encoding import MASK_TOKEN, encode_index
from tfbind.model.loss import top_weighted_mse, top_weights
from tfbind.model.predict import predict
from tfbind.model.synthetic import synthetic_tables
from tfbind.model.training import HISTORY_COLUMNS, augment, train_scope

TINY = {"embed_dim": 8, "hidden_dim": 16, "num_heads": 2, "num_layers": 1, "max_len": 32, "epochs": 3,
        "device": "cpu"}


@pytest.fixture(scope="module")
def tables():
    return synthetic_tables(n_tfs=20, seed=3)


@pytest.fixture(scope="module")
def trained(tables, tmp_path_factory):
    """One tiny model (index encoding) trained on the synthetic tables, shared by the read-only tests."""
    pairs, labels = tables
    out = tmp_path_factory.mktemp("model")
    summary = train_scope(pairs, labels, "all", TINY, out, threads=1)
    return out, summary


# ------------------------------------------------------------------------------------------------
# config, outputs, errors
# ------------------------------------------------------------------------------------------------
def test_merge_config_defaults_and_errors():
    cfg = merge_config({"loss": {"tau": 0.8}, "features": {"alphafold": ["iptm", "ipsae_min"]}})
    assert cfg["loss"] == {**DEFAULT_TRAIN_CONFIG["loss"], "tau": 0.8}
    assert cfg["features"]["interface"] == DEFAULT_TRAIN_CONFIG["features"]["interface"]
    assert cfg["features"]["alphafold"] == ["iptm", "ipsae_min"]
    assert DEFAULT_TRAIN_CONFIG["loss"]["tau"] == 0.75  # the defaults are not modified
    with pytest.raises(InputError, match="unknown key 'lr_rate'"):
        merge_config({"lr_rate": 1})
    with pytest.raises(InputError, match="encoding"):
        merge_config({"encoding": "onehot"})


def test_train_scope_outputs(trained, tables):
    out, summary = trained
    pairs, _ = tables
    history = pd.read_csv(out / "history.tsv", sep="\t")
    assert list(history.columns) == HISTORY_COLUMNS
    assert len(history) == summary["epochs_run"] == 3
    split = pd.read_csv(out / "split.tsv", sep="\t")
    assert list(split.columns) == ["pair_id", "split"]
    assert set(split["pair_id"]) == set(pairs["pair_id"])
    assert split["split"].value_counts().to_dict() == {"train": 64, "val": 8, "test": 8}
    assert summary["n_train"] == 64 and 1 <= summary["best_epoch"] <= 3
    payload = torch.load(out / "model.pt", weights_only=True)  # plain data only
    meta = payload["meta"]
    assert meta["architecture"]["features"] == DEFAULT_TRAIN_CONFIG["features"]
    assert meta["preprocess"]["categories"] == ["KIX", "NCBD", "TAZ1", "TAZ2"]
    assert set(meta["versions"]) == {"torch", "numpy", "python"}


def test_too_few_pairs_and_missing_feature(tables, tmp_path):
    pairs, labels = tables
    with pytest.raises(InputError, match="only 5 labelled pair"):
        train_scope(pairs, labels.iloc[:5], "all", TINY, tmp_path)
    with pytest.raises(InputError, match="pdockq"):
        train_scope(pairs.drop(columns=["pdockq"]), labels, "all", TINY, tmp_path)
    with pytest.raises(InputError, match="no labelled pairs"):
        train_scope(pairs, labels, "MED15", TINY, tmp_path)


def test_category_scope(tables, tmp_path):
    pairs, labels = tables
    summary = train_scope(pairs, labels, "KIX", {**TINY, "epochs": 1}, tmp_path)
    assert summary["n_pairs"] == 20 and summary["categories"] == ["KIX"]
    kix = pairs[pairs["domain_category"] == "KIX"]
    assert len(predict(tmp_path / "model.pt", kix)) == 20
    with pytest.raises(InputError, match="'NCBD'.*not known"):
        predict(tmp_path / "model.pt", pairs)


# ------------------------------------------------------------------------------------------------
# scalers and imputation: training rows only, applied at prediction
# ------------------------------------------------------------------------------------------------
def test_scalers_fitted_on_training_rows_and_applied_at_prediction(tables, tmp_path):
    pairs, labels = tables
    pairs = pairs.copy()
    cfg = merge_config(TINY)
    table = join_labels(pairs, labels, "all", cfg["features"], 10)
    split = make_split(table, "stratified", cfg["seed"])  # depends on categories and Kd only
    held_out = set(table.loc[split != "train", "pair_id"])
    wild = pairs["pair_id"].isin(held_out)
    pairs.loc[wild, "iptm"] = 1e6
    pairs.loc[wild, "interface_area"] = -1e6
    summary = train_scope(pairs, labels, "all", TINY, tmp_path)
    saved = pd.read_csv(tmp_path / "split.tsv", sep="\t")
    assert set(saved.loc[saved["split"] != "train", "pair_id"]) == held_out

    model, meta = checkpoint.load(tmp_path / "model.pt")
    scalers = meta["preprocess"]["scalers"]
    train = pairs[~wild]
    for group in ("alphafold", "interface"):
        cols = meta["preprocess"]["features"][group]
        np.testing.assert_allclose(scalers[group]["mean"], train[cols].mean().to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(scalers[group]["scale"], train[cols].std(ddof=0).to_numpy(), rtol=1e-12)
    assert summary["imputed_rows"] == 0

    # prediction applies the stored scalers: compare with a forward pass on manually scaled inputs
    rows = pairs.iloc[:7]
    got = predict(tmp_path / "model.pt", rows)
    feats = meta["preprocess"]["features"]
    batch = {
        g: torch.tensor(
            ((rows[feats[g]] - scalers[g]["mean"]) / scalers[g]["scale"]).to_numpy(), dtype=torch.float32
        )
        for g in ("alphafold", "interface")
    }
    batch["tf_seq"] = torch.from_numpy(encode_index(rows["tf_sequence"], 32))
    batch["domain_seq"] = torch.from_numpy(encode_index(rows["domain_sequence"], 32))
    vocab = {c: i for i, c in enumerate(meta["preprocess"]["categories"])}
    batch["category"] = torch.tensor(rows["domain_category"].map(vocab).to_numpy())
    with torch.no_grad():
        expected = model(batch).numpy()
    np.testing.assert_allclose(got["score"].to_numpy(), expected, rtol=1e-5, atol=1e-6)
    target = TargetTransform.from_meta(meta["target"])
    np.testing.assert_allclose(got["kd_pred_nm"], target.inverse(got["score"]), rtol=1e-12)


def test_missing_values_imputed_with_training_median(trained, tables):
    out, _ = trained
    pairs, _ = tables
    rows = pairs.iloc[:4].copy()
    rows.loc[rows.index[1], "pdockq"] = np.nan
    got = predict(out / "model.pt", rows)
    assert got["imputed"].tolist() == [False, True, False, False]
    _, meta = checkpoint.load(out / "model.pt")
    filled = rows.copy()
    filled.loc[rows.index[1], "pdockq"] = meta["preprocess"]["medians"]["pdockq"]
    np.testing.assert_allclose(predict(out / "model.pt", filled)["score"], got["score"], rtol=1e-6)


# ------------------------------------------------------------------------------------------------
# reproducibility and checkpoints
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["index", "tokens"])
def test_same_seed_same_model(tables, tmp_path, encoding):
    pairs, labels = tables
    cfg = {**TINY, "encoding": encoding, "epochs": 2}
    train_scope(pairs, labels, "all", cfg, tmp_path / "a")
    train_scope(pairs, labels, "all", cfg, tmp_path / "b")
    a = torch.load(tmp_path / "a" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "b" / "model.pt", weights_only=True)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    pd.testing.assert_frame_equal(
        predict(tmp_path / "a" / "model.pt", pairs), predict(tmp_path / "b" / "model.pt", pairs)
    )


def test_checkpoint_refuses_table_without_feature(trained, tables):
    out, _ = trained
    pairs, _ = tables
    with pytest.raises(InputError, match="missing column.*solvation_energy"):
        predict(out / "model.pt", pairs.drop(columns=["solvation_energy"]))
    assert len(predict(out / "model.pt", pairs.drop(columns=["tf_id", "domain_id", "lis"]))) == len(pairs)


def test_checkpoint_refuses_other_feature_list(trained):
    out, _ = trained
    _, meta = checkpoint.load(out / "model.pt")
    arch = meta["architecture"]
    other = dict(arch, features={**arch["features"], "alphafold": ["iptm", "pae_mean", "ipsae_min"]})
    with pytest.raises(InputError, match=r"features\.alphafold: checkpoint \['iptm', 'pae_mean', 'pdockq'\]"):
        checkpoint.load_into(BindingFusionModel(other), out / "model.pt")
    same = BindingFusionModel(arch)
    checkpoint.load_into(same, out / "model.pt")  # the matching config loads


def test_checkpoint_save_load_roundtrip(tmp_path):
    cfg = merge_config(TINY)
    model = BindingFusionModel(architecture_config(cfg, cfg["features"], ["KIX"]))
    checkpoint.save(tmp_path / "m.pt", model, {"note": "x", "values": (1, 2.5, np.float64(3.0))})
    loaded, meta = checkpoint.load(tmp_path / "m.pt")
    assert meta["values"] == [1, 2.5, 3.0] and meta["note"] == "x"
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    with pytest.raises(TypeError):
        checkpoint.save(tmp_path / "bad.pt", model, {"obj": object()})


def test_augmentation():
    aug = merge_config({})["augment"] | {"probability": 1.0}
    gen = torch.Generator().manual_seed(0)
    tokens = torch.randint(1, 22, (64, 50), generator=gen)
    tokens[:, 40:] = 0
    batch = {"tf_seq": tokens, "domain_seq": tokens.clone(), "interface": torch.zeros(64, 5),
             "alphafold": torch.zeros(64, 3), "category": torch.zeros(64, dtype=torch.long)}
    out = augment(batch, aug, "tokens", gen)
    changed = out["tf_seq"] != tokens
    assert (out["tf_seq"][changed] == MASK_TOKEN).all() and not changed[:, 40:].any()
    assert 0.15 < changed[:, :40].float().mean() < 0.25
    assert 0.15 < out["interface"].std() < 0.25
    index = {**batch, "tf_seq": tokens.float(), "domain_seq": tokens.float()}
    out = augment(index, aug, "index", gen)
    ratio = out["tf_seq"][out["tf_seq"] != 0] / index["tf_seq"][out["tf_seq"] != 0]
    assert ratio.min() >= 0.9 and ratio.max() <= 1.1
    zeroed = (out["tf_seq"][:, :40] == 0).float().mean()
    assert 0.22 < zeroed < 0.34  # 20 % masked, 10 % dropped: 1 - 0.8 * 0.9 = 0.28
    assert augment(batch, aug | {"probability": 0.0}, "tokens", gen) is batch


# ------------------------------------------------------------------------------------------------
# targets and loss
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["minmax_kd", "neglog10_kd"])
def test_target_round_trip(kind):
    kd = np.array([0.5, 3.0, 47.0, 980.0, 12000.0])
    t = TargetTransform.fit(kind, kd)
    y = t.transform(kd)
    assert y.min() == 0.0 and y.max() == 1.0
    assert np.argmax(y) == 0  # the strongest binder (smallest Kd) gets the largest target
    inside = np.geomspace(0.5, 12000.0, 50)
    np.testing.assert_allclose(t.inverse(t.transform(inside)), inside, rtol=1e-6)
    assert t.transform([1e9]).item() == 0.0 and t.transform([1e-3]).item() == 1.0  # clipped
    assert TargetTransform.from_meta(t.to_meta()) == t


def test_top_weighted_mse_formula():
    y = torch.tensor([0.1, 0.5, 0.8, 1.0])
    p = torch.tensor([0.2, 0.3, 0.6, 0.9])
    w = torch.tensor([1.0, 1.0, 1 + 2 * (1 + 4 * 0.05), 1 + 2 * (1 + 4 * 0.25)])
    torch.testing.assert_close(top_weights(y), w)
    sq = (p - y) ** 2
    expected = 0.7 * (w * sq).mean() / w.mean() + 0.3 * sq.mean()
    torch.testing.assert_close(top_weighted_mse(p, y), expected)


# ------------------------------------------------------------------------------------------------
# splits
# ------------------------------------------------------------------------------------------------
def test_group_tf_split_keeps_tfs_apart():
    pairs, labels = synthetic_tables(n_tfs=30, seed=5)
    table = join_labels(pairs, labels, "all", DEFAULT_TRAIN_CONFIG["features"], 10)
    split = split_group_tf(table, seed=42)
    per_tf = pd.DataFrame({"tf": table["tf_id"], "split": split}).groupby("tf")["split"].nunique()
    assert (per_tf == 1).all()
    assert set(split) == {"train", "val", "test"}
    assert abs((split == "train").mean() - 0.8) < 0.1


def test_stratified_split_proportions():
    pairs, labels = synthetic_tables(n_tfs=50, seed=6)
    pairs.loc[pairs.index[:3], "domain_category"] = "TINY"  # a 3-row category still gets a training row
    table = join_labels(pairs, labels, "all", DEFAULT_TRAIN_CONFIG["features"], 10)
    split = split_stratified(table, seed=42)
    fractions = pd.Series(split).value_counts(normalize=True)
    assert abs(fractions["train"] - 0.8) < 0.02
    assert abs(fractions["val"] - 0.1) < 0.02 and abs(fractions["test"] - 0.1) < 0.02
    for cat in table["domain_category"].unique():
        assert (split[table["domain_category"].to_numpy() == cat] == "train").any(), cat
    assert (split_stratified(table, seed=42) == split).all()
    assert not (split_stratified(table, seed=1) == split).all()


# ------------------------------------------------------------------------------------------------
# the planted signal is learned
# ------------------------------------------------------------------------------------------------
def test_planted_signal_within_category(tmp_path):
    """Kd depends on iptm within each category: the model ranks test pairs within a category above chance.

    The category-mean predictor is constant within a category (within-category Spearman 0).
    """
    pairs, labels = synthetic_tables(n_tfs=60, seed=11, noise=0.05)
    cfg = {**TINY, "epochs": 60, "lr": 1e-3, "target": "neglog10_kd", "dropout": 0.1, "patience": 60}
    train_scope(pairs, labels, "all", cfg, tmp_path)
    split = pd.read_csv(tmp_path / "split.tsv", sep="\t")
    test = pairs[pairs["pair_id"].isin(split.loc[split["split"] == "test", "pair_id"])]
    pred = predict(tmp_path / "model.pt", test).set_index("pair_id")
    kd = labels.set_index(labels["domain_id"] + "_and_" + labels["tf_id"])["kd_nm"]
    rhos = []
    for _, rows in test.groupby("domain_category"):
        ids = rows["pair_id"]
        score, strength = pd.Series(pred.loc[ids, "score"].to_numpy()), pd.Series(-kd.loc[ids].to_numpy())
        rhos.append(score.corr(strength, method="spearman"))
    print("within-category test Spearman", rhos)
    assert np.mean(rhos) > 0.5, rhos


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("encoding", ["index", "tokens"])
def test_cuda_training_with_amp(tables, tmp_path, encoding):
    pairs, labels = tables
    cfg = {**TINY, "encoding": encoding, "epochs": 2, "device": "auto", "amp": True}
    summary = train_scope(pairs, labels, "all", cfg, tmp_path)
    assert summary["device"].startswith("cuda")
    cpu = predict(tmp_path / "model.pt", pairs)  # a CUDA-trained checkpoint scores on CPU
    gpu = predict(tmp_path / "model.pt", pairs, device="cuda")
    np.testing.assert_allclose(cpu["score"], gpu["score"], atol=1e-4)
    assert cpu["score"].between(0, 1).all()
