"""Rule rank_candidates: ranking per domain (TSV, workbook, Parquet), run summary, the report's ranking page."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # workflow/ -> import tfbind

import pandas as pd  # noqa: E402

from tfbind import logs  # noqa: E402
from tfbind.io import atomic_path  # noqa: E402
from tfbind.ranking.html import ranking_page  # noqa: E402
from tfbind.ranking.summary import read_failed, run_summary  # noqa: E402
from tfbind.ranking.table import build_ranking, write_ranking  # noqa: E402

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
pairs = pd.read_parquet(smk.input.pairs)
scores = pd.read_csv(smk.input.scores[0], sep="\t", dtype={"pair_id": str}) if smk.input.scores else None
table = build_ranking(pairs, scores)
domains = list(smk.params.domains)
ranking_dir = str(Path(smk.output.xlsx).parent)
write_ranking(table, domains, {d: p for d, p in zip(domains, smk.output.tsv)}, smk.output.xlsx)
with atomic_path(smk.output.parquet) as tmp:
    table.to_parquet(tmp, index=False)
summary = run_summary(pairs, read_failed(smk.input.failed), domains, smk.params.model, ranking_dir)
with atomic_path(smk.output.summary) as tmp:
    tmp.write_text("\n".join(summary) + "\n")
per_domain = {d: table[table["domain_id"] == d].reset_index(drop=True) for d in domains}
with atomic_path(smk.output.page) as tmp:
    tmp.write_text(ranking_page(per_domain, summary), encoding="utf-8")
