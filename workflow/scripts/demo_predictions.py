"""Rule demo_predictions: write the synthetic demo's AlphaFold runs of one shard (all three formats)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

from tfbind import logs  # noqa: E402
from tfbind.demo import write_predictions  # noqa: E402
from tfbind.plan.shards import read_manifest  # noqa: E402
from tfbind.io import atomic_path  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
manifest = read_manifest(smk.input.manifest)
written = []
# Each run goes to its pair's prediction folder (predictions_dir/{pair_id} in the demo's pairs table).
for folder, runs in manifest.groupby(manifest["prediction"].map(lambda p: str(Path(p).parent))):
    written += write_predictions(Path(folder), seed=smk.params.seed, pair_ids=[Path(p).name for p in runs["prediction"]])
logs.logging.getLogger("tfbind.demo").info("wrote %d demo runs", len(written))
with atomic_path(smk.output[0]) as tmp:
    tmp.write_text("pair_id\n" + "".join(f"{p}\n" for p in written))
