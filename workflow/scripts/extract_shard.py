"""Rule extract_shard: the AlphaFold runs of one shard -> models/pairs Parquet + failed TSV."""



from tfbind import logs
from tfbind.features.extract import run_shard
from tfbind.plan.settings import ExtractSettings

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
# The settings the rule's params hold (built once when the workflow was parsed): what runs is what triggers a rerun.
settings = ExtractSettings.from_dict(smk.params.settings)
logs.logging.getLogger("extract_shard").info("settings: %s", settings)
run_shard(
    smk.input.manifest,
    smk.output.models,
    smk.output.pairs,
    smk.output.failed,
    settings,
    smk.output.warnings,
)
