"""Rule rank_model_plots: observed vs predicted Kd, ROC and precision-recall from the out-of-fold predictions."""

import pandas as pd

from tfbind import logs
from tfbind.labels import read_labels
from tfbind.ranking import plots
from tfbind.ranking.cv import cv_curves, cv_kd, n_repeats, read_cv_oof

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
pairs = pd.read_parquet(smk.input.pairs)
labels = read_labels(smk.input.labels)
oof = read_cv_oof(smk.input.oof)  # once, for both plots
repeats = n_repeats(oof)  # every repeated fold assignment: each pair's value is its mean over them
plots.observed_vs_predicted(cv_kd(oof, pairs, labels), smk.output.observed, repeats)
plots.roc_pr(cv_curves(oof, pairs, labels), smk.output.curves, repeats)
