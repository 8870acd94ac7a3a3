"""Rule rank_top_panels: PAE and contact map of the top model of the top N candidates per domain."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

import pandas as pd  # noqa: E402

from tfbind import logs  # noqa: E402
from tfbind.ranking import plots  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
table = pd.read_parquet(smk.input.ranking)
runs = pd.read_parquet(smk.input.pairs, columns=["pair_id", "prediction", "tf_chain", "domain_chain"])
table = table.merge(runs, on="pair_id", how="left")
outputs = iter(smk.output)
for domain in smk.params.domains:
    rows = table[table["domain_id"] == domain].set_index("rank")
    for n in range(1, smk.params.top_n + 1):
        path = next(outputs)
        if n in rows.index:
            plots.top_panel(rows.loc[n].rename(None).to_dict() | {"rank": n}, path)
        else:
            plots._message(path, f"{domain}: fewer than {n} candidates were read")
