"""Fixed column names and types of the feature tables (other stages and checks read them by name)."""

from __future__ import annotations

import pyarrow as pa

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

# AlphaFold confidence metrics per model (tfbind.metrics.confidence_metrics returns exactly these).
CONFIDENCE_METRICS = [
    "iptm", "ptm", "ranking_confidence",
    "plddt_mean", "plddt_tf", "plddt_domain", "plddt_interface",
    "pae_mean", "pae_inter_mean", "pae_inter_min",
    "pdockq", "pdockq2_tf", "pdockq2_domain",
    "lis", "lia", "clis", "clia", "ilis",
    "ipsae_tf_to_domain", "ipsae_domain_to_tf", "ipsae_min", "ipsae_max",
    "iptm_pae",
]  # fmt: skip

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
