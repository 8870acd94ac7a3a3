"""Rule run_structure_prediction: one batch of AlphaFold jobs through structure_prediction.command."""

import pandas as pd

from tfbind import io, logs
from tfbind.prepare.jobs import read_batch
from tfbind.prepare.running import MANIFEST_COLUMNS, run_batch

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
p = smk.params
rows = run_batch(read_batch(smk.input.batch), p.format, p.command, p.workdir, p.outdir, smk.wildcards.batch,
                 smk.threads, p.seeds)
io.write_tsv(pd.DataFrame(rows, columns=MANIFEST_COLUMNS), smk.output[0])
