"""Scoring paths made for speed give the scores of the plain path: distinct-sequence encoding, batched scoring."""

import numpy as np
import pytest
import torch

from tfbind.model import merge_config
from tfbind.model import predict as predict_module
from tfbind.model.architecture import BindingFusionModel, architecture_config
from tfbind.model.predict import predict
from tfbind.model.synthetic import synthetic_tables
from tfbind.model.training import train_scope

CATEGORIES = ["KIX", "NCBD", "TAZ1", "TAZ2"]
FEATURES = {"alphafold": ["iptm", "pdockq"], "interface": [], "sequence": ["tf_ncpr"]}


def test_tokens_encoder_scores_repeated_and_short_sequences_as_one_row_at_a_time():
    torch.manual_seed(3)
    cfg = merge_config({"features": FEATURES, "residue_encoder": "tokens", "shared_encoder": True, "max_len": 16,
                        "num_heads": 2})
    model = BindingFusionModel(architecture_config(cfg, cfg["features"], CATEGORIES)).eval()
    g = torch.Generator().manual_seed(0)
    distinct = torch.randint(1, 21, (3, 16), generator=g)
    distinct[0, 9:] = 0  # lengths 9, 12, 5: every row ends in padding, the batch's longest is 12
    distinct[1, 12:] = 0
    distinct[2, 5:] = 0
    rows = torch.tensor([0, 1, 0, 2, 1, 0])  # repeated sequences, as in a screen
    tf_seq, domain_seq = distinct[rows], distinct[rows.flip(0)]
    with torch.inference_mode():
        batched = model.residue_encoder(tf_seq, domain_seq)
        # reference: each row alone, full max_len, through the encoder's per-sequence path
        one = [torch.cat([model.residue_encoder._one(tf_seq[i:i + 1]), model.residue_encoder._one(domain_seq[i:i + 1])],
                         dim=1) for i in range(len(rows))]
    torch.testing.assert_close(batched, torch.cat(one), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("encoder", [{}, {"residue_encoder": "tokens", "shared_encoder": True, "max_len": 96}])
def test_scores_do_not_depend_on_the_scoring_batch(tmp_path, monkeypatch, encoder):
    pairs, labels = synthetic_tables(n_tfs=15, seed=2)
    train_scope(pairs, labels, "all", {**encoder, "epochs": 5, "ensemble": 2}, tmp_path, threads=1)
    whole = predict(tmp_path / "model.pt", pairs)
    monkeypatch.setattr(predict_module, "SCORE_BATCH_ROWS", 7)  # 60 pairs in 9 batches, the last of 4
    batches = []
    forward = predict_module.member_scores
    monkeypatch.setattr(predict_module, "member_scores", lambda m, t: batches.append(len(t["x"])) or forward(m, t))
    batched = predict(tmp_path / "model.pt", pairs, threads=1)
    assert batches == [7] * 8 + [4]
    np.testing.assert_allclose(batched["score"], whole["score"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(batched["kd_pred_nm"], whole["kd_pred_nm"], rtol=1e-5)
    assert list(batched["pair_id"]) == list(pairs["pair_id"])
