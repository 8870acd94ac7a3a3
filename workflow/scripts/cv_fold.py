"""Rule cv_fold: train and score one grouped cross-validation fold (of one repeat) of a model scope."""

from pathlib import Path

import pandas as pd

from tfbind import logs
from tfbind.evaluation.evaluate import FoldOutputs, labelled_table, run_cv_fold
from tfbind.features.failed import require_pairs
from tfbind.labels import read_labels
from tfbind.model.folds import grouped_folds
from tfbind.model.outputs import TrainOutputs

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
require_pairs(smk.input.pairs)  # no pair read: fail with the reasons (failed.tsv)
pairs = pd.read_parquet(smk.input.pairs)
scope = smk.wildcards.model
repeat = int(smk.wildcards.repeat)
# The labelled pairs joined once (train: merged when the workflow was parsed) for the folds, model and baselines.
table = labelled_table(pairs, read_labels(smk.input.labels), scope, smk.params.train, smk.params.group_by)
# Every fold job of a repeat derives the same grouped folds (seed + repeat), so folds need no shared state.
folds = grouped_folds(table, smk.params.n_folds, smk.params.seed + repeat)
out = FoldOutputs(
    Path(smk.output.oof),
    TrainOutputs(Path(smk.output.model), Path(smk.output.history), Path(smk.output.split)),
)
run_cv_fold(pairs, table, scope, smk.params.train, folds, int(smk.wildcards.fold), out, threads=smk.threads,
            repeat=repeat)
