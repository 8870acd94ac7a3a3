"""Fixed column names and types of the feature tables (other stages and checks read them by name)."""

from __future__ import annotations

import pyarrow as pa

from .metrics.confidence import METRIC_KEYS

# Identity of a model row.
ID_COLUMNS = {
    "pair_id": pa.string(),
    "tf_id": pa.string(),
    "domain_id": pa.string(),
    "domain_category": pa.string(),
    "source_format": pa.string(),
    "model_name": pa.string(),
    "model_rank": pa.int64(),
    "tf_chain": pa.string(),
    "domain_chain": pa.string(),
    "tf_length": pa.int64(),
    "domain_length": pa.int64(),
}

# AlphaFold confidence metrics per model, as tfbind.metrics.confidence_metrics returns them.
CONFIDENCE_METRICS = list(METRIC_KEYS)

# Provenance kept beside the metrics: how the chains were matched and what else was in the run.
EXTRA_MODEL_COLUMNS = {
    "iptm_chain_pair": pa.float64(),  # AlphaFold3 chain_pair_iptm of (TF, domain); NaN for AF2/ColabFold
    "tf_chain_identity": pa.float64(),
    "domain_chain_identity": pa.float64(),
    "n_chains": pa.int64(),
    "prediction": pa.string(),
}

MODEL_SCHEMA = pa.schema(
    list(ID_COLUMNS.items())
    + [(m, pa.float64()) for m in CONFIDENCE_METRICS]
    + list(EXTRA_MODEL_COLUMNS.items())
)

# pairs.parquet: the top-ranked model's row, the mean over the run's models of each confidence metric,
# the model count and the two sequences.
PAIR_SCHEMA = pa.schema(
    list(MODEL_SCHEMA)
    + [(f"{m}_mean", pa.float64()) for m in CONFIDENCE_METRICS]
    + [("n_models", pa.int64()), ("tf_sequence", pa.string()), ("domain_sequence", pa.string())]
)

FAILED_COLUMNS = ["pair_id", "stage", "reason"]
