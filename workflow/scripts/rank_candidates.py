"""Rule rank_candidates: ranking per domain (TSV, workbook, Parquet), run summary, the report's ranking page."""

from pathlib import Path

from tfbind import logs
from tfbind.features.failed import require_pairs
from tfbind.ranking.coordinates import tile_coordinates
from tfbind.ranking.outputs import RankOutputs, rank_candidates

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
require_pairs(smk.input.pairs, smk.input.failed)  # no pair read: fail with the reasons
domains = list(smk.params.domains)
tiling = smk.params.tiling  # numbers the interface residues in the protein
coords = tile_coordinates(smk.input.tf_fasta, tiling.get("step"), tiling["first_index"])
rank_candidates(
    smk.input.pairs,
    smk.input.failed,
    smk.input.scores[0] if smk.input.scores else None,
    domains,
    smk.params.model,
    RankOutputs(
        tsv={d: Path(p) for d, p in zip(domains, smk.output.tsv)},
        xlsx=Path(smk.output.xlsx),
        parquet=Path(smk.output.parquet),
        summary=Path(smk.output.summary),
        page=Path(smk.output.page),
    ),
    workbook_rows=smk.params.workbook_rows,
    page_rows=smk.params.page_rows,
    order_by=smk.params.order_by,
    calibration_path=smk.input.calibration[0] if smk.input.calibration else None,
    model_kind=smk.params.model_kind,
    trained=smk.params.trained,
    coords=coords,
)
