"""Fixed column names and types of the feature tables (other stages and checks read them by name)."""

from __future__ import annotations

import pyarrow as pa

from ..metrics.confidence import METRIC_KEYS
from ..metrics.interface import INTERFACE_KEYS
from ..metrics.shape_complementarity import SC_KEYS
from .descriptors import DESCRIPTOR_COLUMNS

# Identity of a model row.
ID_SCHEMA = {
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

# AlphaFold confidence metrics per model, as tfbind.metrics.confidence_metrics returns them. Among them
# ranking_confidence (0.8 ipTM + 0.2 pTM from every source) and ranking_score (AlphaFold3's own ranking_score,
# which adds disorder and clash terms; NaN for AlphaFold2, ColabFold and score tables): two quantities, two
# columns (tfbind.readers.model_scores).
CONFIDENCE_METRICS = list(METRIC_KEYS)

# Interface structure metrics per model, as tfbind.metrics.interface.interface_metrics returns them
# (counts are float64 too, so that every metric column can hold NaN).
INTERFACE_METRICS = list(INTERFACE_KEYS)

# Shape complementarity (Lawrence & Colman 1993) and its trimmed interface area and median distance, computed
# for the models that features.shape_complementarity selects (NaN for the others and without an interface);
# score tables fill shape_complementarity from their sc column (tfbind.features.alphapulldown_table).
SC_METRICS = list(SC_KEYS)

# Provenance kept beside the metrics: how the chains were matched and what else was in the run.
EXTRA_MODEL_COLUMNS = {
    "iptm_chain_pair": pa.float64(),  # AlphaFold3 chain_pair_iptm of (TF, domain); NaN for AF2/ColabFold
    "tf_chain_identity": pa.float64(),
    "domain_chain_identity": pa.float64(),
    "n_chains": pa.int64(),
    "prediction": pa.string(),
}

MODEL_SCHEMA = pa.schema(
    list(ID_SCHEMA.items())
    + [(m, pa.float64()) for m in CONFIDENCE_METRICS + INTERFACE_METRICS + SC_METRICS]
    + list(EXTRA_MODEL_COLUMNS.items())
)

# Only AlphaPulldown score tables carry these (NaN/null for pairs read from AlphaFold runs).
SCORE_TABLE_ONLY_COLUMNS = {
    "pi_score": pa.float64(),
    "score_table_interface": pa.string(),  # the chain pair as the table names it, e.g. "C_B"
}

# pairs.parquet: the top-ranked model's row, the mean over the run's models of each confidence metric, the model
# count, the two sequences and their descriptors. The Sc columns are the top model's (computed unless
# features.shape_complementarity is off); like the interface metrics they have no _mean: with the default (top)
# only the top model has a value, and a "mean" of one model would pretend to be a mean over models.
PAIR_SCHEMA = pa.schema(
    list(MODEL_SCHEMA)
    + [(f"{m}_mean", pa.float64()) for m in CONFIDENCE_METRICS]
    + [("n_models", pa.int64()), ("tf_sequence", pa.string()), ("domain_sequence", pa.string())]
    + [("tf_group", pa.string())]  # the TF FASTA's group= key (grouped CV folds), null when absent
    # the top model's interface residues of the TF tile, positions in the tile ("L12 F15 W20"; "" none; null for
    # score tables): tfbind.metrics.interface_residues; the ranking renumbers them into the protein
    + [("interface_residues_tile", pa.string())]
    + [(d, pa.float64()) for d in DESCRIPTOR_COLUMNS]
    + list(SCORE_TABLE_ONLY_COLUMNS.items())
)
