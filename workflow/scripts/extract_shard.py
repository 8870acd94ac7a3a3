"""Rule extract_shard: the AlphaFold runs of one shard -> models/pairs Parquet + failed TSV."""

from tfbind.plan import config as tfconfig
from tfbind import logs
from tfbind.features.extract import run_shard

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
run_shard(
    smk.input.manifest,
    smk.output.models,
    smk.output.pairs,
    smk.output.failed,
    tfconfig.extract_settings(smk.config),
    smk.output.warnings,
)
