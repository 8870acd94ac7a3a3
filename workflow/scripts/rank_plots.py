"""Rule rank_plots: score heatmap (tiles x domains, the best rank.heatmap_tiles tiles) and score tracks
of the best rank.track_genes TF genes, with tracks/index.tsv listing every gene."""


import logging

import pandas as pd

from tfbind import logs
from tfbind.ranking import plots
from tfbind.ranking.coordinates import tile_coordinates

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
log = logging.getLogger("tfbind.ranking")
# only the columns drawn: ranking.parquet of 10^6 pairs holds ~30 columns
# ``score`` is what the ranking follows in each domain (p_binder of the model, or the consensus: scored_by)
table = pd.read_parquet(smk.input.ranking, columns=["tf_id", "domain_id", "score", "scored_by"])
tiling = smk.params.tiling
coords = tile_coordinates(smk.input.tf_fasta, tiling.get("step"), tiling["first_index"])
log.info("%d ranked pairs, %d tiles, %d TF records in %s", len(table), table["tf_id"].nunique(), len(coords),
         smk.input.tf_fasta)
shown, total = plots.heatmap(table, coords, smk.output.heatmap, "score", max_tiles=smk.params.heatmap_tiles)
log.info("heatmap: %d of %d tiles drawn (rank.heatmap_tiles = %d)%s", shown, total, smk.params.heatmap_tiles,
         f"; {total - shown} left out (the lower best-domain scores)" if shown < total else "")
index = plots.tracks(table, coords, smk.output.tracks, "score", max_genes=smk.params.track_genes)
drawn = int((index["drawn"] == "yes").sum())
left = index[index["drawn"] == "no"]
log.info("score tracks: %d of %d genes drawn (rank.track_genes = %d); left out: %d below the best %d, "
         "%d without tile coordinates; every gene in %s/index.tsv", drawn, len(index), smk.params.track_genes,
         int((left["reason"] != "no tile coordinates").sum()), smk.params.track_genes,
         int((left["reason"] == "no tile coordinates").sum()), smk.output.tracks)
