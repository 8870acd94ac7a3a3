"""Rule prepare_jobs: tile the TF proteins and write the AlphaFold job inputs of every (domain, tile) pair."""

from tfbind import logs
from tfbind.prepare.writing import write_all

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
