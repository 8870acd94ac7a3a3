"""Rule rank_model_scores: model score, p_binder, predicted Kd with its interval, applicability of every pair."""



from tfbind import logs
from tfbind.features.failed import require_pairs
from tfbind.io import write_tsv
from tfbind.model.calibration import read_calibration
from tfbind.ranking.model_scores import rank_model_scores

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
require_pairs(smk.input.pairs)  # no pair read: fail with the reasons (failed.tsv)
calibration = read_calibration(smk.input.calibration[0]) if smk.input.calibration else None
scores = rank_model_scores(smk.input.model, smk.input.pairs, calibration, threads=smk.threads)
write_tsv(scores, smk.output[0])
