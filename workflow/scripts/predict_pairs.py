"""Rule predict_pairs: score a feature table (labels not needed) with a trained model."""

from tfbind import logs
from tfbind.evaluation.new_pairs import read_feature_table, score_pairs
from tfbind.io import write_tsv

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
scored = score_pairs(smk.input.model, read_feature_table(smk.input.pairs), threads=smk.threads)
write_tsv(scored, smk.output[0], for_reading=True, na_rep="")
