"""Each job reads its model file once (cv_fold: not at all, training left the model in memory), and the three
scorers (the ranking's model scores, the evaluation's score table, the predict target's table) give the model's
outputs under one set of names."""

import numpy as np
import pandas as pd
import pytest
import torch

from tfbind.evaluation.calibrate import calibrate_scope
from tfbind.evaluation.evaluate import evaluate_scope, labelled_table, run_cv_fold
from tfbind.evaluation.new_pairs import PREDICTION_COLUMNS, score_pairs
from tfbind.evaluation.scores import model_scores as evaluation_scores
from tfbind.model import merge_config
from tfbind.model.checkpoint import LoadedModel, load
from tfbind.model.folds import grouped_folds
from tfbind.model.predict import predict
from tfbind.model.synthetic import synthetic_tables
from tfbind.model.training import train_scope
from tfbind.ranking.model_scores import MODEL_SCORE_COLUMNS, model_scores, rank_model_scores

TINY = {"ensemble": 2, "epochs": 10, "device": "cpu"}
CFG = merge_config(TINY)  # the workflow merges the train section once, when it is parsed
N_FOLDS = 3


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A trained scope ``all`` (model.pt, split.tsv), its pairs as Parquet and one repeat of CV folds."""
    pairs, labels = synthetic_tables(n_tfs=15, seed=4)
    root = tmp_path_factory.mktemp("run")
    train_scope(pairs, labels, "all", TINY, root / "model", threads=1)
    pairs.to_parquet(root / "pairs.parquet")
    table = labelled_table(pairs, labels, "all", CFG, "tf_group")
    folds = grouped_folds(table, N_FOLDS, seed=0)
    return pairs, labels, root, (table, folds)


@pytest.fixture
def reads(monkeypatch):
    """The files torch.load reads while the test runs (every route to a model file goes through it)."""
    seen = []
    real = torch.load

    def counting(path, *args, **kwargs):
        seen.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(torch, "load", counting)
    return seen


def test_cv_fold_scores_the_model_training_left_in_memory(run, reads, tmp_path):
    pairs, _, _, (table, folds) = run
    oof = run_cv_fold(pairs, table, "all", CFG, folds, 0, tmp_path, threads=1)
    assert reads == []  # model.pt is written, never read back
    reads.clear()
    # the in-memory model scores exactly as the file it wrote
    fusion = oof[oof["predictor"] == "fusion"].set_index("pair_id")
    from_file = predict(tmp_path / "model.pt", pairs).set_index("pair_id").loc[fusion.index]
    assert len(reads) == 1
    np.testing.assert_array_equal(fusion["score"], from_file["score"])
    np.testing.assert_array_equal(fusion["kd_pred_nm"], from_file["kd_pred_nm"])


def test_predict_takes_a_loaded_model_or_a_path(run, reads):
    pairs, _, root, _ = run
    by_path = predict(root / "model" / "model.pt", pairs)
    assert len(reads) == 1
    model = load(root / "model" / "model.pt")
    assert isinstance(model, LoadedModel) and model.scope == "all" and len(reads) == 2
    by_model = predict(model, pairs)
    assert len(reads) == 2 and load(model) is model  # handed on, not read again
    pd.testing.assert_frame_equal(by_path, by_model)


def test_every_job_reads_its_model_once(run, reads, tmp_path):
    pairs, labels, root, (table, folds) = run
    oof_paths = []
    for k in range(N_FOLDS):
        run_cv_fold(pairs, table, "all", CFG, folds, k, tmp_path / f"fold{k}", threads=1)
        oof_paths.append(tmp_path / f"fold{k}" / "oof.tsv")
    assert reads == []
    model_pt = str(root / "model" / "model.pt")

    calibration = calibrate_scope(model_pt, pairs, labels, root / "model" / "split.tsv", oof_paths)
    assert reads == [model_pt], "calibrate_model"
    reads.clear()
    evaluate_scope(root / "model", pairs, labels, [pd.read_csv(p, sep="\t") for p in oof_paths],
                   {"bootstrap": 0})
    assert reads == [model_pt], "evaluate_model"
    reads.clear()
    ranked = rank_model_scores(model_pt, root / "pairs.parquet", calibration, threads=1)
    assert reads == [model_pt], "rank_model_scores"
    reads.clear()
    score_pairs(model_pt, pairs)
    assert reads == [model_pt], "predict_pairs"
    assert list(ranked.columns) == MODEL_SCORE_COLUMNS


def test_the_three_scorers_share_one_vocabulary(run):
    pairs, labels, root, _ = run
    model_pt = root / "model" / "model.pt"
    model = load(model_pt)
    # one row with a missing input: its name must reach every table's `imputed`
    pairs = pairs.assign(pdockq=np.where(pairs["pair_id"] == pairs["pair_id"].iloc[0], np.nan, pairs["pdockq"]))
    raw = predict(model, pairs).set_index("pair_id")
    new = score_pairs(model, pairs).set_index("pair_id")
    ranking = model_scores(model, pairs).set_index("pair_id")
    evaluation = evaluation_scores(model, pairs, labels, split=root / "model" / "split.tsv").set_index("pair_id")
    assert list(new.reset_index().columns) == PREDICTION_COLUMNS
    ids = raw.index
    for table in (new, ranking, evaluation):
        np.testing.assert_array_equal(table.loc[ids, "model_score"], raw["score"])
        assert list(table.loc[ids, "imputed"]) == list(raw["imputed_inputs"])
        assert list(table.loc[ids, "category_seen"]) == list(raw["category_seen"])
    assert ranking.loc[ids[0], "imputed"] == "pdockq" and (ranking.loc[ids[1:], "imputed"] == "").all()
    for table in (new, evaluation):
        for q in ("", "_low", "_high"):
            np.testing.assert_array_equal(table.loc[ids, f"kd_pred{q}_unclipped_nm"], raw[f"kd_pred{q}_nm"])
    # without calibration.json the ranking has no training Kd range: its kd_pred_*_nm are the unclipped ones
    for q in ("", "_low", "_high"):
        np.testing.assert_array_equal(ranking.loc[ids, f"kd_pred{q}_nm"], raw[f"kd_pred{q}_nm"])
    # model_pkd: -log10 of the predicted Kd in M
    np.testing.assert_allclose(ranking.loc[ids, "model_pkd"], 9 - np.log10(raw["kd_pred_nm"]), rtol=1e-12)
    # with a training range the ranking clips: Kd below the range's bottom to the bottom, above to the top
    kd = raw["kd_pred_nm"].to_numpy()
    lo, hi = np.quantile(kd, [0.25, 0.75])
    cats = sorted(set(pairs["domain_category"]))
    calibration = {"train_score_mean": {c: 0.5 for c in cats}, "kd_range_nm": {c: [lo, hi] for c in cats},
                   "p_binder": {"intercept": {c: 0.0 for c in cats}, "slope": 1.0, "scale": 1.0},
                   "feature_ranges": {}}
    clipped = model_scores(model, pairs, calibration).set_index("pair_id")
    expected = np.where(kd < lo, lo, np.where(kd > hi, hi, kd))
    np.testing.assert_array_equal(clipped.loc[ids, "kd_pred_nm"], expected)
    p = 1 / (1 + np.exp(-(raw["score"].to_numpy() - 0.5)))
    np.testing.assert_allclose(clipped.loc[ids, "p_binder"], p, rtol=1e-12)
