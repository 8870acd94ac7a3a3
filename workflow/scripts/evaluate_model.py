"""Rule evaluate_model: score table and metrics (fusion vs baselines, per split and domain, with CV)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

import pandas as pd  # noqa: E402

from tfbind import logs  # noqa: E402
from tfbind.evaluation.evaluate import evaluate_scope, read_oof, write_outputs  # noqa: E402
from tfbind.labels import read_labels  # noqa: E402

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
