"""Rule calibrate_model: calibration.json (p_binder, Kd and input ranges) and its reliability plot."""

import pandas as pd

from tfbind import logs
from tfbind.evaluation.calibrate import calibrate_scope
from tfbind.labels import read_labels
from tfbind.model.calibration import plot_reliability, write_calibration

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
calibration = calibrate_scope(smk.input.model, pd.read_parquet(smk.input.pairs), read_labels(smk.input.labels),
                              smk.input.split, list(smk.input.oof))
write_calibration(calibration, smk.output.calibration)
plot_reliability(calibration, smk.output.reliability, title=f"p_binder reliability, model {smk.wildcards.model} "
                 "(cross-fitted, out of fold)")
