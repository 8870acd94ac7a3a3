"""Rule merge_features: shard tables -> results/features/{models,pairs}.parquet, failed.tsv, warnings.tsv."""

import logging

from tfbind import logs
from tfbind.features.failed import merge_warnings
from tfbind.features.merge import merge_features
from tfbind.io import parquet_to_tsv

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0], echo=True)  # echo: the skipped-pairs summary belongs on the console too
merge_features(
    smk.input.models,
    smk.input.pairs,
    smk.input.failed,
    smk.input.unmatched,
    smk.output.models,
    smk.output.pairs,
    smk.output.failed,
    smk.params.cross_domain,
)
parquet_to_tsv(smk.output.models, smk.output.models_tsv)
parquet_to_tsv(smk.output.pairs, smk.output.pairs_tsv)
n_notes = merge_warnings(smk.input.warnings, smk.output.warnings)
if n_notes:
    logging.getLogger("merge_features").warning(
        "%d notes on pairs scored from part of their files, or with shape complementarity left NaN for a model: "
        "see %s",
        n_notes,
        smk.output.warnings,
    )
