"""Rule demo_predictions: write the synthetic demo's AlphaFold runs (all three formats)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

from tfbind import logs  # noqa: E402
from tfbind.demo import write_predictions  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
written = write_predictions(Path(smk.output[0]), seed=smk.params.seed, pair_ids=list(smk.params.pair_ids))
logs.logging.getLogger("tfbind.demo").info("wrote %d demo runs to %s", len(written), smk.output[0])
