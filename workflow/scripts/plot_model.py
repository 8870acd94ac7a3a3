"""Rule plot_model: the evaluation plots of one model scope (PNG, with report captions)."""

import pandas as pd

from tfbind import logs
from tfbind.evaluation.evaluate import read_oof
from tfbind.evaluation.model_plots import write_all_plots

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
write_all_plots(
    pd.read_csv(smk.input.history, sep="\t"),
    pd.read_parquet(smk.input.predictions),
    pd.read_csv(smk.input.metrics, sep="\t"),
    pd.concat([read_oof(p) for p in smk.input.oof], ignore_index=True),
    pd.read_parquet(smk.input.pairs),
    dict(smk.output.items()),
    title_prefix=f"model {smk.wildcards.model}",
    model=smk.wildcards.model,
    n_folds=smk.params.n_folds,
    group_by=smk.params.group_by,
)
