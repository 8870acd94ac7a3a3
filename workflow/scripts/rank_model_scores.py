"""Rule rank_model_scores: model score, p_binder, predicted Kd with its interval, applicability of every pair."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

from tfbind import logs  # noqa: E402
from tfbind.features.failed import require_pairs  # noqa: E402
from tfbind.io import write_tsv  # noqa: E402
from tfbind.model.calibration import read_calibration  # noqa: E402
from tfbind.ranking.model_scores import rank_model_scores  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
require_pairs(smk.input.pairs)  # no pair read: fail with the reasons (failed.tsv)
calibration = read_calibration(smk.input.calibration[0]) if smk.input.calibration else None
scores = rank_model_scores(smk.input.model, smk.input.pairs, calibration, threads=smk.threads)
write_tsv(scores, smk.output[0])
