"""Rule train_model: pairs.parquet + labels -> results/models/{model}/model.pt, history.tsv, split.tsv."""

from pathlib import Path

import pandas as pd

from tfbind import logs
from tfbind.features.failed import require_pairs
from tfbind.labels import read_labels
from tfbind.model.outputs import TrainOutputs
from tfbind.model.training import train_scope

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
require_pairs(smk.input.pairs)  # no pair read: fail with the reasons (failed.tsv)
train_scope(
    pd.read_parquet(smk.input.pairs),
    read_labels(smk.input.labels),
    smk.wildcards.model,
    smk.params.train,
    TrainOutputs(Path(smk.output.model), Path(smk.output.history), Path(smk.output.split)),
    threads=smk.threads,
    group_by=smk.params.group_by,
)
