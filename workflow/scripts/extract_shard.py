"""Rule extract_shard: the AlphaFold runs of one shard -> models/pairs Parquet + failed TSV."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

from tfbind.plan import config as tfconfig  # noqa: E402
from tfbind import logs  # noqa: E402
from tfbind.features.extract import run_shard  # noqa: E402

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
