"""Rule predict_pairs: score a feature table (labels not needed) with a trained model."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

from tfbind import logs  # noqa: E402
from tfbind.evaluation.new_pairs import read_feature_table, score_pairs  # noqa: E402
from tfbind.io import write_tsv  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
scored = score_pairs(smk.input.model, read_feature_table(smk.input.pairs), threads=smk.threads)
write_tsv(scored, smk.output[0], for_reading=True, na_rep="")
