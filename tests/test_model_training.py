"""Training (train_scope), checkpoints, prediction, targets and splits, on synthetic tables."""

import logging

import numpy as np
import pandas as pd
import pytest
import torch

from tfbind.errors import InputError
from tfbind.model import DEFAULT_TRAIN_CONFIG, checkpoint, merge_config
from tfbind.model.architecture import FusionEnsemble
from tfbind.model.data import (
    Preprocessor,
    TargetTransform,
    join_labels,
    kd_from_pkd,
    make_split,
    prior_weights,
    resolve_groups,
    split_group_tf,
    split_stratified,
)
from tfbind.model.predict import PREDICTION_COLUMNS, predict
from tfbind.model.synthetic import synthetic_tables
from tfbind.model.training import HISTORY_COLUMNS, member_split, train_scope

TINY = {"ensemble": 2, "epochs": 30, "patience": 10, "device": "cpu"}


@pytest.fixture(scope="module")
def tables():
    return synthetic_tables(n_tfs=20, seed=3)


@pytest.fixture(scope="module")
def trained(tables, tmp_path_factory):
    """One small model trained on the synthetic tables, shared by the read-only tests."""
    pairs, labels = tables
    out = tmp_path_factory.mktemp("model")
    summary = train_scope(pairs, labels, "all", TINY, out, threads=1)
    return out, summary


# ------------------------------------------------------------------------------------------------
# config, outputs, errors
# ------------------------------------------------------------------------------------------------
def test_merge_config_defaults_and_errors():
    cfg = merge_config({"features": {"alphafold": ["iptm", "ipsae_min"], "interface": None}})
    assert cfg["features"]["sequence"] == DEFAULT_TRAIN_CONFIG["features"]["sequence"]
    assert cfg["features"]["alphafold"] == ["iptm", "ipsae_min"] and cfg["features"]["interface"] == []
    assert len(DEFAULT_TRAIN_CONFIG["features"]["sequence"]) == 26
    assert DEFAULT_TRAIN_CONFIG["features"]["alphafold"][0] == "iptm"  # the defaults are not modified
    with pytest.raises(InputError, match="unknown key 'lr_rate'"):
        merge_config({"lr_rate": 1})
    with pytest.raises(InputError, match="residue_encoder"):
        merge_config({"residue_encoder": "onehot"})
    with pytest.raises(InputError, match="shared_encoder: needs residue_encoder: tokens"):
        merge_config({"shared_encoder": True})
    with pytest.raises(InputError, match="wide and deep are both false"):
        merge_config({"wide": False, "deep": False})
    with pytest.raises(InputError, match="every group is empty"):
        merge_config({"features": {"alphafold": [], "sequence": []}})
    with pytest.raises(InputError, match="train.epochs"):
        merge_config({"epochs": True})
    with pytest.raises(InputError, match="train.dropout"):
        merge_config({"dropout": "0.1"})


def test_train_scope_outputs(trained, tables):
    out, summary = trained
    pairs, _ = tables
    history = pd.read_csv(out / "history.tsv", sep="\t")
    assert list(history.columns) == HISTORY_COLUMNS
    assert sorted(history["member"].unique()) == [0, 1]
    assert history.groupby("member").size().tolist() == summary["epochs_run"]
    split = pd.read_csv(out / "split.tsv", sep="\t")
    assert set(split["pair_id"]) == set(pairs["pair_id"])
    assert split["split"].value_counts().to_dict() == {"train": 64, "val": 8, "test": 8}
    payload = torch.load(out / "model.pt", weights_only=True)  # plain data only
    meta = payload["meta"]
    assert meta["preprocess"]["categories"] == ["KIX", "NCBD", "TAZ1", "TAZ2"]
    assert set(meta["versions"]) == {"torch", "numpy", "python"}
    # the synthetic tables have no shape_complementarity: dropped, not silent
    assert summary["dropped_features"] == ["shape_complementarity"]
    assert meta["preprocess"]["dropped"] == ["shape_complementarity"]
    assert "shape_complementarity" not in meta["architecture"]["features"]["alphafold"]
    assert summary["prior_columns"] == ["ranking_confidence", "pdockq", "ipsae_min"]


def test_dropped_column_is_logged(tables, tmp_path, caplog):
    pairs, labels = tables
    with caplog.at_level(logging.WARNING, logger="tfbind.model"):
        train_scope(pairs.assign(pdockq=np.nan), labels, "all", {**TINY, "ensemble": 1, "epochs": 2}, tmp_path)
    assert "dropped: pdockq, shape_complementarity" in caplog.text


def test_too_few_pairs_and_scopes(tables, tmp_path):
    pairs, labels = tables
    with pytest.raises(InputError, match="only 5 labelled pair"):
        train_scope(pairs, labels.iloc[:5], "all", TINY, tmp_path)
    with pytest.raises(InputError, match="no labelled pairs"):
        train_scope(pairs, labels, "MED15", TINY, tmp_path)
    only = {"features": {"alphafold": ["shape_complementarity"], "sequence": []}}
    with pytest.raises(InputError, match="no configured feature column has a value"):
        train_scope(pairs, labels, "all", {**TINY, **only}, tmp_path)


def test_category_scope_and_unseen_category(tables, tmp_path, caplog):
    pairs, labels = tables
    summary = train_scope(pairs, labels, "KIX", {**TINY, "epochs": 3}, tmp_path)
    assert summary["n_pairs"] == 20 and summary["categories"] == ["KIX"]
    with caplog.at_level(logging.WARNING, logger="tfbind.model"):
        got = predict(tmp_path / "model.pt", pairs)
    assert list(got.columns) == PREDICTION_COLUMNS
    assert got["category_seen"].tolist() == (pairs["domain_category"] == "KIX").tolist()
    assert "not trained on (NCBD, TAZ1, TAZ2)" in caplog.text
    assert got["score"].between(0, 1).all() and np.isfinite(got["kd_pred_nm"]).all()


def test_predict_refuses_table_without_feature(trained, tables):
    out, _ = trained
    pairs, _ = tables
    with pytest.raises(InputError, match="missing column.*tf_kappa"):
        predict(out / "model.pt", pairs.drop(columns=["tf_kappa"]))
    assert len(predict(out / "model.pt", pairs.drop(columns=["tf_id", "domain_id", "lis"]))) == len(pairs)


# ------------------------------------------------------------------------------------------------
# per-domain standardisation, targets, prior: fitted on training rows, applied at prediction
# ------------------------------------------------------------------------------------------------
def test_per_domain_standardisation_hand_example():
    train = pd.DataFrame({"domain_category": ["A", "A", "B", "B"], "f": [1.0, 3.0, 10.0, np.nan]})
    cfg = {"features": {"alphafold": ["f"], "interface": [], "sequence": []}}
    prep = Preprocessor.fit(train, ["A", "B"], cfg)
    assert prep.medians == {"f": 3.0}  # median of 1, 3, 10
    # A: mean 2, SD 1; B: the NaN becomes 3 -> values 10, 3: mean 6.5, SD 3.5
    assert prep.mean == {"A": [2.0], "B": [6.5]} and prep.scale == {"A": [1.0], "B": [3.5]}
    new = pd.DataFrame({"pair_id": ["p", "q", "r"], "domain_category": ["A", "B", "C"], "f": [4.0, np.nan, 2.0]})
    arrays, imputed = prep.transform(new)
    # C is unseen: pooled mean/SD of the imputed training values 1, 3, 10, 3 (mean 4.25)
    pooled_sd = np.std([1.0, 3.0, 10.0, 3.0])
    np.testing.assert_allclose(arrays["x"][:, 0], [2.0, (3.0 - 6.5) / 3.5, (2.0 - 4.25) / pooled_sd], rtol=1e-6)
    assert imputed.tolist() == [False, True, False] and arrays["category"].tolist() == [0, 1, -1]
    assert Preprocessor.from_meta(prep.to_meta()) == prep


def test_target_transform_hand_example_and_round_trip():
    # domain A: Kd 1000 nM and 10 nM -> pKd 6 and 8: mean 7, SD 1; domain B: one row -> SD 1
    t = TargetTransform.fit("neglog10_kd", np.array([1000.0, 10.0, 100.0]), np.array(["A", "A", "B"]))
    np.testing.assert_allclose(t.z([1000.0, 10.0, 100.0], ["A", "A", "B"]), [-1.0, 1.0, 0.0], atol=1e-12)
    assert (t.lo, t.hi) == (6.0, 8.0)
    # a perfectly fitted training row (predicted z = its own z) maps back to its measured Kd
    kd = np.array([1000.0, 10.0, 100.0])
    cats = ["A", "A", "B"]
    np.testing.assert_allclose(kd_from_pkd(t.pkd_of(t.z(kd, cats), cats)), kd, rtol=1e-12)
    np.testing.assert_allclose(t.transform(kd), [0.0, 1.0, 0.5])
    np.testing.assert_allclose(t.inverse(t.transform(kd)), kd, rtol=1e-12)
    assert t.transform([1e9]).item() == 0.0 and t.transform([1e-3]).item() == 1.0  # clipped
    assert TargetTransform.from_meta(t.to_meta()) == t


def test_constant_column_up_to_round_off_is_not_scaled_by_the_round_off():
    """Three rows of 0.1 have a float SD of 1.4e-17, not 0: as a scale it sent a held-out value 0.2 to a z of
    7e15 (predicted Kd 0 or inf in cross-validation). Within the tolerance it counts as constant: scale 1."""
    values = np.full(3, 0.1)
    assert 0 < values.std() < 1e-16  # the round-off this test is about (numpy's pairwise mean of 0.1s)
    train = pd.DataFrame({"domain_category": ["A"] * 3 + ["B"] * 2, "f": [*values, 1.0, 3.0]})
    cfg = {"features": {"alphafold": ["f"], "interface": [], "sequence": []}}
    prep = Preprocessor.fit(train, ["A", "B"], cfg)
    assert prep.scale["A"] == [1.0] and prep.scale["B"] == [1.0]  # B: 1, 3 -> SD exactly 1 (real spread)
    new = pd.DataFrame({"pair_id": ["p", "q"], "domain_category": ["A", "B"], "f": [0.2, 5.0]})
    x = prep.transform(new)[0]["x"][:, 0]
    np.testing.assert_allclose(x, [0.2 - 0.1, (5.0 - 2.0) / 1.0], rtol=1e-6)
    # a real spread far below the values is kept: 1000 and 1000.001 differ by 1e-6 relative
    close = pd.DataFrame({"domain_category": ["A", "A"], "f": [1000.0, 1000.001]})
    real = Preprocessor.fit(close, ["A"], cfg)
    assert real.scale["A"][0] == pytest.approx(0.0005, rel=1e-6)


def test_target_sd_of_equal_kd_up_to_round_off_is_one():
    """Five labels of 65 nM in a domain: pKd 7.187... five times, whose float SD is 8.9e-16. The domain's SD
    is 1 (as for a single row), so its z targets are 0, not +-1 of round-off noise."""
    pkd_values = -np.log10(np.full(5, 65.0) * 1e-9)
    assert 0 < pkd_values.std() < 1e-14
    kd = np.array([65.0] * 5 + [1000.0, 10.0])
    t = TargetTransform.fit("neglog10_kd", kd, np.array(["A"] * 5 + ["B"] * 2))
    assert t.sd["A"] == 1.0 and t.sd["B"] == pytest.approx(1.0)  # B: pKd 6 and 8, SD 1
    np.testing.assert_allclose(t.z(kd[:5], ["A"] * 5), 0.0, atol=1e-12)
    assert t.mean["A"] == pytest.approx(9 - np.log10(65.0), rel=1e-15)


def test_prior_weights_least_squares_scale():
    x = np.array([[1.0, 0.0, 5.0], [-1.0, 2.0, 1.0], [0.0, -2.0, 0.0]])
    z = np.array([2.0, 0.0, -2.0])
    # p = (1, 1, 0): s = (1, 1, -2); c = (2 + 0 + 4) / (1 + 1 + 4) = 1
    np.testing.assert_allclose(prior_weights(x, z, ["a", "b", "c"], ["a", "b", "missing"]), [1.0, 1.0, 0.0])
    assert not prior_weights(x, z, ["a", "b", "c"], []).any()


def test_predicted_kd_and_interval_from_the_members(trained, tables):
    out, _ = trained
    pairs, _ = tables
    got = predict(out / "model.pt", pairs)
    loaded = checkpoint.load(out / "model.pt")
    model, meta = loaded.network, loaded.meta
    prep = Preprocessor.from_meta(meta["preprocess"])
    arrays, _ = prep.transform(pairs)
    with torch.no_grad():
        z = model({k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}).numpy().astype(float)
    t = TargetTransform.from_meta(meta["target"])
    cats = pairs["domain_category"].to_numpy()
    # ridge_blend (default): each member's z is averaged with the per-domain ridge's x . w_d
    assert set(meta["ridge"]) == set(cats)
    x = np.asarray(arrays["x"], dtype=float)
    z_ridge = np.array([x[i] @ np.asarray(meta["ridge"][c]) for i, c in enumerate(cats)])
    z = (z + z_ridge) / 2.0
    pkd = t.pkd_of(z.mean(0), cats)
    np.testing.assert_allclose(got["kd_pred_nm"], 10 ** -pkd * 1e9, rtol=1e-5)
    members = np.stack([t.pkd_of(m, cats) for m in z])
    np.testing.assert_allclose(got["kd_pred_low_nm"], 10 ** -np.percentile(members, 90, axis=0) * 1e9, rtol=1e-5)
    assert (got["kd_pred_low_nm"] <= got["kd_pred_nm"] * (1 + 1e-9)).all()
    assert (got["kd_pred_high_nm"] >= got["kd_pred_nm"] * (1 - 1e-9)).all()
    np.testing.assert_allclose(got["score"], np.clip((pkd - t.lo) / (t.hi - t.lo), 0, 1), rtol=1e-5, atol=1e-7)
    for _, rows in pd.DataFrame({"c": cats, "s": got["score"], "k": got["kd_pred_nm"]}).groupby("c"):
        inside = rows[(rows["s"] > 0) & (rows["s"] < 1)]  # within a domain: score decreasing in Kd
        assert inside.sort_values("k")["s"].is_monotonic_decreasing


def test_missing_values_imputed_with_training_median(trained, tables):
    out, _ = trained
    pairs, _ = tables
    rows = pairs.iloc[:4].copy()
    rows.loc[rows.index[1], "pdockq"] = np.nan
    got = predict(out / "model.pt", rows)
    assert got["imputed"].tolist() == [False, True, False, False]
    meta = checkpoint.load(out / "model.pt").meta
    filled = rows.copy()
    filled.loc[rows.index[1], "pdockq"] = meta["preprocess"]["medians"]["pdockq"]
    np.testing.assert_allclose(predict(out / "model.pt", filled)["score"], got["score"], rtol=1e-6)


def test_kd_beyond_the_float_range_is_a_warning_naming_the_pair(trained, tables, caplog):
    """An input 10^250 (standardised: about 10^251) sends the pair's pKd hundreds of decades off, where Kd in
    nM is 0 or inf: the pair is named in a WARNING, the other pairs are scored as before."""
    out, _ = trained
    pairs, _ = tables
    rows = pairs.iloc[:3].copy()
    rows.loc[rows.index[1], "iptm"] = 1e250
    with caplog.at_level(logging.WARNING, logger="tfbind.model"):
        got = predict(out / "model.pt", rows)
    kd = got["kd_pred_nm"].to_numpy()
    assert not (np.isfinite(kd[1]) and kd[1] > 0)
    assert "1 pair(s) with a predicted Kd of 0, inf or NaN" in caplog.text
    assert rows["pair_id"].iat[1] in caplog.text
    alone = predict(out / "model.pt", pairs.iloc[[0, 2]])["kd_pred_nm"]
    np.testing.assert_allclose(kd[[0, 2]], alone, rtol=1e-6)


def test_held_out_rows_do_not_change_the_model(tables, tmp_path):
    pairs, labels = tables
    cfg = merge_config(TINY)
    table = join_labels(pairs, labels, "all", cfg["features"], 10, "tf_group")
    split = make_split(table, "stratified", cfg["seed"])  # depends on categories and Kd only
    held_out = table.loc[split != "train", "pair_id"]
    wild = pairs.copy()
    wild.loc[wild["pair_id"].isin(held_out), ["iptm", "tf_ncpr"]] = 1e6
    train_scope(pairs, labels, "all", TINY, tmp_path / "a")
    train_scope(wild, labels, "all", TINY, tmp_path / "b")
    a = torch.load(tmp_path / "a" / "model.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "model.pt", weights_only=True)
    assert all(torch.equal(a["state_dict"][k], b["state_dict"][k]) for k in a["state_dict"])
    assert a["meta"]["preprocess"]["mean"] == b["meta"]["preprocess"]["mean"]


# ------------------------------------------------------------------------------------------------
# reproducibility and checkpoints
# ------------------------------------------------------------------------------------------------
def test_same_seed_same_model(tables, tmp_path):
    pairs, labels = tables
    train_scope(pairs, labels, "all", TINY, tmp_path / "a")
    train_scope(pairs, labels, "all", TINY, tmp_path / "b")
    a = torch.load(tmp_path / "a" / "model.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "b" / "model.pt", weights_only=True)["state_dict"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    c = train_scope(pairs, labels, "all", {**TINY, "seed": 1}, tmp_path / "c")
    assert c["n_train"] == 64


def test_checkpoint_refuses_weights_that_do_not_fit_its_architecture(trained, tmp_path):
    """A model.pt whose stored architecture names another feature list than its weights were trained on
    (edited, or assembled from two runs) is refused with the file named, not loaded with shifted inputs."""
    out, _ = trained
    payload = torch.load(out / "model.pt", weights_only=True)
    arch = payload["meta"]["architecture"]
    fewer = [c for c in arch["features"]["alphafold"] if c != "pdockq"]
    assert len(fewer) == len(arch["features"]["alphafold"]) - 1
    payload["meta"]["architecture"] = dict(arch, features={**arch["features"], "alphafold": fewer})
    torch.save(payload, tmp_path / "model.pt")
    with pytest.raises(InputError, match=r"model\.pt: weights do not fit the stored architecture"):
        checkpoint.load(tmp_path / "model.pt")
    checkpoint.load(out / "model.pt")  # the intact file loads


def _scoring_meta(features: dict, categories: list[str]) -> dict:
    """The smallest meta a checkpoint is scored with: identity scaling, a pKd 5..9 target, zero prior."""
    columns = [c for g in ("alphafold", "interface", "sequence") for c in features.get(g, [])]
    prep = Preprocessor(features, categories, {c: 0.0 for c in columns}, {c: [0.0] * len(columns) for c in categories},
                        {c: [1.0] * len(columns) for c in categories}, [0.0] * len(columns), [1.0] * len(columns))
    target = TargetTransform("neglog10_kd", 5.0, 9.0, {c: 7.0 for c in categories}, {c: 1.0 for c in categories},
                             (7.0, 1.0))
    return {"preprocess": prep.to_meta(), "target": target.to_meta(), "prior": [0.0] * len(columns), "ridge": {}}


def test_checkpoint_save_load_roundtrip(tmp_path):
    cfg = merge_config({"ensemble": 2})
    from tfbind.model.architecture import architecture_config

    model = FusionEnsemble(architecture_config(cfg, cfg["features"], ["KIX"]))
    checkpoint.save(tmp_path / "m.pt", model, {"note": "x", "values": (1, 2.5, np.float64(3.0)),
                                               "keys": {np.str_("KIX"): 1.0},
                                               **_scoring_meta(cfg["features"], ["KIX"])})
    read = checkpoint.load(tmp_path / "m.pt")
    loaded, meta = read.network, read.meta
    assert meta["values"] == [1, 2.5, 3.0] and meta["note"] == "x" and meta["keys"] == {"KIX": 1.0}
    assert all(torch.equal(v, loaded.state_dict()[k]) for k, v in model.state_dict().items())
    with pytest.raises(TypeError):
        checkpoint.save(tmp_path / "bad.pt", model, {"obj": object()})


# ------------------------------------------------------------------------------------------------
# groups and splits
# ------------------------------------------------------------------------------------------------
def test_group_resolution():
    table = pd.DataFrame({"tf_id": ["a_1", "a_2", "b_1"]})
    groups, source = resolve_groups(table, "tf_group")
    assert groups.tolist() == ["a_1", "a_2", "b_1"] and source == "tf_id"
    labelled = table.assign(tf_group=["A", "A", ""])  # an empty group falls back to the tile
    groups, source = resolve_groups(labelled, "tf_group")
    assert groups.tolist() == ["A", "A", "b_1"] and source == "labels tf_group"
    fasta = table.assign(tf_group_pairs=["G", "G", "H"])
    groups, source = resolve_groups(fasta, "tf_group")
    assert groups.tolist() == ["G", "G", "H"] and source == "TF FASTA group= key"
    assert resolve_groups(labelled, "tf_id")[0].tolist() == ["a_1", "a_2", "b_1"]
    with pytest.raises(InputError, match="group_by"):
        resolve_groups(table, "gene")


def test_join_labels_carries_groups_from_labels_and_pairs():
    pairs, labels = synthetic_tables(n_tfs=6, seed=5)
    genes = {tf: f"G{i // 2}" for i, tf in enumerate(sorted(pairs["tf_id"].unique()))}
    table = join_labels(pairs, labels.assign(tf_group=labels["tf_id"].map(genes)), "all", {}, 10, "tf_group")
    assert table["group"].tolist() == table["tf_id"].map(genes).tolist()
    table = join_labels(pairs.assign(tf_group=pairs["tf_id"].map(genes)), labels, "all", {}, 10, "tf_group")
    assert table.attrs["group_source"] == "TF FASTA group= key"


def test_group_tf_split_keeps_groups_apart():
    pairs, labels = synthetic_tables(n_tfs=30, seed=5)
    genes = {tf: f"G{i // 3}" for i, tf in enumerate(sorted(pairs["tf_id"].unique()))}
    table = join_labels(pairs, labels.assign(tf_group=labels["tf_id"].map(genes)), "all", {}, 10, "tf_group")
    split = split_group_tf(table, seed=42)
    per_gene = pd.DataFrame({"g": table["group"], "split": split}).groupby("g")["split"].nunique()
    assert (per_gene == 1).all() and set(split) == {"train", "val", "test"}
    assert abs((split == "train").mean() - 0.8) < 0.1


def test_member_validation_groups():
    groups = np.array(["a", "a", "b", "c", "c", "d", "e"])
    val = member_split(groups, 0.4, seed=0)
    chosen = set(groups[val])
    assert len(chosen) == 2 and all(val[groups == g].all() for g in chosen)  # whole groups
    assert (member_split(groups, 0.4, seed=0) == val).all()
    assert not member_split(groups, 0.0, seed=0).any() and not member_split(np.array(["a"]), 0.5, 0).any()


def test_stratified_split_proportions():
    pairs, labels = synthetic_tables(n_tfs=50, seed=6)
    pairs.loc[pairs.index[:3], "domain_category"] = "TINY"  # a 3-row category still gets a training row
    table = join_labels(pairs, labels, "all", DEFAULT_TRAIN_CONFIG["features"], 10, "tf_group")
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
    """Kd depends on iptm within each category: the model ranks test pairs within a category well."""
    pairs, labels = synthetic_tables(n_tfs=60, seed=11, noise=0.05)
    train_scope(pairs, labels, "all", {"ensemble": 3}, tmp_path)
    split = pd.read_csv(tmp_path / "split.tsv", sep="\t")
    test = pairs[pairs["pair_id"].isin(split.loc[split["split"] == "test", "pair_id"])]
    pred = predict(tmp_path / "model.pt", test).set_index("pair_id")
    kd = labels.set_index(labels["domain_id"] + "_and_" + labels["tf_id"])["kd_nm"]
    rhos = []
    for _, rows in test.groupby("domain_category"):
        ids = rows["pair_id"]
        score, strength = pd.Series(pred.loc[ids, "score"].to_numpy()), pd.Series(-kd.loc[ids].to_numpy())
        rhos.append(score.corr(strength, method="spearman"))
    assert np.mean(rhos) > 0.8, rhos


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_training_matches_cpu(tables, tmp_path):
    pairs, labels = tables
    gpu_summary = train_scope(pairs, labels, "all", {**TINY, "device": "cuda"}, tmp_path / "gpu")
    assert gpu_summary["device"].startswith("cuda")
    train_scope(pairs, labels, "all", TINY, tmp_path / "cpu")
    cpu = predict(tmp_path / "cpu" / "model.pt", pairs)
    gpu = predict(tmp_path / "gpu" / "model.pt", pairs)  # a CUDA-trained checkpoint scores on CPU
    rho = pd.Series(cpu["score"]).corr(pd.Series(gpu["score"]), method="spearman")
    assert rho > 0.95, rho


def test_ridge_blend_weights_are_the_prior_ridge_of_each_domain(tables, tmp_path):
    """The stored ridge half of the blend is, per domain, the closed-form ridge towards the stored prior
    for one of the searched penalties; without ridge_blend nothing is stored and the network scores alone."""
    from tfbind.model import prior_ridge

    pairs, labels = tables
    train_scope(pairs, labels, "all", TINY, tmp_path / "blend")
    meta = checkpoint.load(tmp_path / "blend" / "model.pt").meta
    prep = Preprocessor.from_meta(meta["preprocess"])
    split = pd.read_csv(tmp_path / "blend" / "split.tsv", sep="\t")
    table = pairs.merge(labels, on=["tf_id", "domain_id"]).merge(split, on="pair_id")
    x = np.asarray(prep.transform(table)[0]["x"], dtype=float)
    t = TargetTransform.from_meta(meta["target"])
    cats = table["domain_category"].to_numpy()
    z = t.z(table["kd_nm"].to_numpy(), cats)
    train = (table["split"] == "train").to_numpy()
    w0 = np.asarray(meta["prior"])
    for c, w in meta["ridge"].items():
        rows = train & (cats == c)
        candidates = [prior_ridge.ridge_towards(x[rows], z[rows], w0, a) for a in prior_ridge.ALPHAS]
        assert min(np.abs(np.asarray(w) - cand).max() for cand in candidates) < 1e-6, c
    train_scope(pairs, labels, "all", {**TINY, "ridge_blend": False}, tmp_path / "alone")
    meta_alone = checkpoint.load(tmp_path / "alone" / "model.pt").meta
    assert meta_alone["ridge"] == {}
