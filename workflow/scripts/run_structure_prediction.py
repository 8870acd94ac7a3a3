"""Rule run_structure_prediction: one batch of AlphaFold jobs through structure_prediction.command."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

import pandas as pd  # noqa: E402

from tfbind import io, logs  # noqa: E402
from tfbind.prepare.jobs import read_batch  # noqa: E402
from tfbind.prepare.running import MANIFEST_COLUMNS, run_batch  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
p = smk.params
rows = run_batch(read_batch(smk.input.batch), p.format, p.command, p.workdir, p.outdir, smk.wildcards.batch,
                 smk.threads, p.seeds)
io.write_tsv(pd.DataFrame(rows, columns=MANIFEST_COLUMNS), smk.output[0])
