"""Rule prepare_jobs: tile the TF proteins and write the AlphaFold job inputs of every (domain, tile) pair."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

from tfbind import logs  # noqa: E402
from tfbind.prepare.writing import write_all  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
write_all(
    proteins=smk.input.proteins,
    domains=smk.input.domains,
    regions=smk.input.regions[0] if smk.input.regions else None,
    tiling=smk.params.tiling,
    seeds=smk.params.seeds,
    batch_size=smk.params.batch_size,
    out=dict(smk.output.items()),
)
