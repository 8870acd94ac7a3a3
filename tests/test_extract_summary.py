"""tfbind.features.extract.summarise_pair: the top model's row plus the mean of every confidence metric over
the models, NaN where no model has a value (worked out per metric with a plain loop here)."""

from __future__ import annotations

import math

import numpy as np

from tfbind.features.extract import summarise_pair
from tfbind.features.schema import CONFIDENCE_METRICS
from tfbind.plan.sequences import SequenceRecord


def test_means_over_many_models_with_missing_values():
    rng = np.random.default_rng(5)
    rows = []
    for rank in range(25):  # an AlphaFold3 run of 5 seeds x 5 samples: beyond the 8-value blocks of numpy sums
        row = {m: float(rng.normal(50, 30)) for m in CONFIDENCE_METRICS}
        row["model_rank"] = (rank * 7) % 25
        row["iptm"] = math.nan if rank % 3 else row["iptm"]  # some models without ipTM
        row["ranking_confidence"] = math.nan  # none with it
        rows.append(row)
    tf = SequenceRecord("TF1", "MDEWFLSPAAQ", "tf")
    domain = SequenceRecord("KIX", "GVRKGWHEHVTQDLRSHLVHKLVQAIFP", "KIX")
    out = summarise_pair(rows, tf, domain)
    top = next(r for r in rows if r["model_rank"] == 0)
    assert all(out[m] == top[m] for m in CONFIDENCE_METRICS if not math.isnan(top[m]))
    for metric in CONFIDENCE_METRICS:
        finite = [r[metric] for r in rows if not math.isnan(r[metric])]
        if not finite:
            assert math.isnan(out[f"{metric}_mean"])
            continue
        total = 0.0
        for v in finite:
            total += v
        assert math.isclose(out[f"{metric}_mean"], total / len(finite), rel_tol=1e-12), metric
        assert out[f"{metric}_mean"] == float(np.nanmean([r[metric] for r in rows]))  # bit for bit
    assert out["n_models"] == 25 and out["tf_sequence"] == tf.sequence
