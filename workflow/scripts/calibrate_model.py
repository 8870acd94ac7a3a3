"""Rule calibrate_model: calibration.json (p_binder, Kd and input ranges) and its reliability plot."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

import pandas as pd  # noqa: E402

from tfbind import logs  # noqa: E402
from tfbind.evaluation.calibrate import calibrate_scope  # noqa: E402
from tfbind.labels import read_labels  # noqa: E402
from tfbind.model.calibration import plot_reliability, write_calibration  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
calibration = calibrate_scope(smk.input.model, pd.read_parquet(smk.input.pairs), read_labels(smk.input.labels),
                              smk.input.split, list(smk.input.oof))
write_calibration(calibration, smk.output.calibration)
plot_reliability(calibration, smk.output.reliability, title=f"p_binder reliability, model {smk.wildcards.model} "
                 "(cross-fitted, out of fold)")
