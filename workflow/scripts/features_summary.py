"""Rule features_summary: results/features/summary.txt (pairs read per format, pairs failed and why); fails when
no pair was read."""

import logging

from tfbind import logs
from tfbind.features.summary import write_features_summary

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
for line in write_features_summary(smk.input.pairs, smk.input.failed, smk.output[0]):
    logging.getLogger("features_summary").info("%s", line)
