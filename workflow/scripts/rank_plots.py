"""Rule rank_plots: consensus heatmap (tiles x domains) and score tracks per TF gene."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

import pandas as pd  # noqa: E402

from tfbind import logs  # noqa: E402
from tfbind.ranking import plots  # noqa: E402
from tfbind.ranking.coordinates import tile_coordinates  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
table = pd.read_parquet(smk.input.ranking)
tiling = smk.params.tiling
coords = tile_coordinates(smk.input.tf_fasta, tiling.get("step"), tiling.get("first_index", 1))
plots.heatmap(table, coords, smk.output.heatmap)
plots.tracks(table, coords, smk.output.tracks)
