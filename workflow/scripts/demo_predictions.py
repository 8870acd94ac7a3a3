"""Rule demo_predictions: write the synthetic demo's AlphaFold runs of one shard (all three formats)."""

from pathlib import Path

from tfbind import logs
from tfbind.demo import write_predictions
from tfbind.io import atomic_path
from tfbind.plan.shards import read_manifest

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
manifest = read_manifest(smk.input.manifest)
written = []
# Each run goes to its pair's prediction folder (predictions_dir/{pair_id} in the demo's pairs table).
for folder, runs in manifest.groupby(manifest["prediction"].map(lambda p: str(Path(p).parent))):
    written += write_predictions(Path(folder), seed=smk.params.seed,
                                 pair_ids=[Path(p).name for p in runs["prediction"]])
logs.logging.getLogger("tfbind.demo").info("wrote %d demo runs", len(written))
with atomic_path(smk.output[0]) as tmp:
    tmp.write_text("pair_id\n" + "".join(f"{p}\n" for p in written))
