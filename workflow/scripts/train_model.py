"""Rule train_model: pairs.parquet + labels -> results/models/{model}/model.pt, history.tsv, split.tsv."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

import pandas as pd  # noqa: E402

from tfbind import logs  # noqa: E402
from tfbind.features.failed import require_pairs  # noqa: E402
from tfbind.labels import read_labels  # noqa: E402
from tfbind.model.outputs import TrainOutputs  # noqa: E402
from tfbind.model.training import train_scope  # noqa: E402

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
