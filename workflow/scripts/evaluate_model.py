"""Rule evaluate_model: score table and metrics (fusion vs baselines, per split and domain, with CV)."""

import pandas as pd

from tfbind import logs
from tfbind.evaluation.evaluate import evaluate_scope, read_oof, write_outputs
from tfbind.labels import read_labels

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
scores, metrics = evaluate_scope(
    smk.input.model,
    pd.read_parquet(smk.input.pairs),
    read_labels(smk.input.labels),
    [read_oof(p) for p in smk.input.oof],
    smk.params.settings,  # EvaluateSettings.as_dict(), built when the workflow was parsed
    split=smk.input.split,
)
outputs = {"predictions_tsv": smk.output.predictions, "predictions_parquet": smk.output.parquet,
           "metrics": smk.output.metrics, "summary": smk.output.summary}  # fmt: skip
write_outputs(scores, metrics, outputs)
