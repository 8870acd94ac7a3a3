"""Rule rank_top_panels: PAE and contact map of the top model of the best rank.top_n candidates per domain
(as many as a domain has; a note for a domain without any)."""


import pandas as pd

from tfbind import logs
from tfbind.ranking.top_panels import PANEL_COLUMNS, top_panels

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
table = pd.read_parquet(smk.input.ranking)
table = table[table["rank"] <= smk.params.top_n]  # only the pairs drawn
runs = pd.read_parquet(smk.input.pairs, columns=["pair_id", "prediction", "tf_chain", "domain_chain", "tf_sequence"])
table = table.merge(runs, on="pair_id", how="left")
top_panels(table[[c for c in PANEL_COLUMNS if c in table.columns]], list(smk.params.domains), smk.params.top_n,
           smk.output[0])
