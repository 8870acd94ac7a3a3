"""Rule cv_fold: train and score one grouped cross-validation fold (of one repeat) of a model scope."""

from pathlib import Path

import pandas as pd

from tfbind import logs
from tfbind.features.failed import require_pairs
from tfbind.evaluation.evaluate import FoldOutputs, run_cv_fold, scope_folds
from tfbind.model.outputs import TrainOutputs
from tfbind.plan.pairs import read_labels

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
require_pairs(smk.input.pairs)  # no pair read: fail with the reasons (failed.tsv)
pairs = pd.read_parquet(smk.input.pairs)
labels = read_labels(smk.input.labels)
scope = smk.wildcards.model
repeat = int(smk.wildcards.repeat)
# Every fold job of a repeat derives the same grouped folds (seed + repeat), so folds need no shared state.
folds = scope_folds(pairs, labels, scope, smk.params.train, smk.params.n_folds, smk.params.seed + repeat,
                    smk.params.group_by)
out = FoldOutputs(
    Path(smk.output.oof),
    TrainOutputs(Path(smk.output.model), Path(smk.output.history), Path(smk.output.split)),
)
run_cv_fold(pairs, labels, scope, smk.params.train, folds, int(smk.wildcards.fold), out, threads=smk.threads,
            repeat=repeat, group_by=smk.params.group_by)
