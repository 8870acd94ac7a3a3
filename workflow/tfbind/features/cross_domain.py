"""A tile's profile across domains (``features.cross_domain_profile``): for every pair and each listed metric,
how the tile scored against the OTHER domains of the screen.

When every tile was folded against every domain, a tile that AlphaFold places confidently on all domains
(a sticky, helix-prone or hydrophobic fragment) differs from one placed confidently on a single domain; the
first is less likely to be a specific binder of any one of them. For metric m of pair (tile t, domain d):

    z(t, d)    = (m(t, d) - mean_d m) / sd_d m        over the screen's pairs of domain d (sd with ddof=1)
    xd_m(t, d) = mean of z(t, d') over the other domains d' != d where t has a value

so ``xd_m`` is 0 for a tile as confident as the average tile elsewhere and positive for one placed
confidently everywhere. It is NaN for a tile without a value of m against any other domain (e.g. folded
against one domain only); a domain whose metric is constant or has fewer than two values has no z and does
not count as "another domain" for any tile. The statistics are taken over the screen being featurised (labelled
or not); the columns enter the model only when listed in ``train.features`` (docs/model.md).

On the EP300 development set (gene-grouped CV, 5 x 5; docs/evaluation.md) adding ``xd_`` of ipTM, ipTM+pTM,
pDockQ, shape complementarity and LIS to the default features left the mean within-domain binder AUROC where it
was (0.681 +- 0.009 vs 0.680 +- 0.005) and raised the mean within-domain Spearman with -log10 Kd from 0.220 to
0.247: an option, off by default.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..io import atomic_path

log = logging.getLogger(__name__)

PREFIX = "xd_"


def profile_columns(metrics: Sequence[str]) -> list[str]:
    """The column each metric's profile is written to: ``xd_{metric}``."""
    return [f"{PREFIX}{m}" for m in metrics]


def cross_domain_profile(frame: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """``xd_{metric}`` for every row of ``frame`` (columns ``tf_id``, ``domain_id`` and the metrics; module
    doc), index of ``frame``. A listed metric missing from ``frame`` is an InputError."""
    missing = [m for m in metrics if m not in frame.columns]
    if missing:
        raise InputError(f"features.cross_domain_profile: no column {', '.join(map(repr, missing))} in the pairs "
                         f"table (columns: {', '.join(frame.columns)})")
    out = pd.DataFrame(index=frame.index)
    domain, tile = frame["domain_id"].astype(str), frame["tf_id"].astype(str)
    for metric, column in zip(metrics, profile_columns(metrics)):
        value = pd.to_numeric(frame[metric], errors="coerce").astype(float)
        by_domain = value.groupby(domain)
        sd = by_domain.transform("std")
        z = (value - by_domain.transform("mean")) / sd.where(sd > 0)
        has = z.notna()
        total = z.fillna(0.0).groupby(tile).transform("sum")
        count = has.astype(int).groupby(tile).transform("sum")
        others = count - has.astype(int)
        out[column] = ((total - z.fillna(0.0)) / others.where(others > 0)).astype(float)
    return out


def add_profile_to_parquet(path: str | Path, metrics: Sequence[str]) -> int:
    """Append the ``xd_`` columns to the pairs table at ``path`` in place (atomically); return its rows.

    Only ``tf_id``, ``domain_id`` and the metrics are read to compute the profile (10^6 pairs: a few tens of
    MB); the table is then rewritten one row group at a time, so memory stays bounded like the merge's.
    """
    if not metrics:
        return 0
    source = pq.ParquetFile(path)
    names = source.schema_arrow.names
    present = [c for c in profile_columns(metrics) if c in names]
    if present:
        raise InputError(f"{path}: already has cross-domain columns {', '.join(present)}")
    missing = [m for m in metrics if m not in names]
    if missing:
        numeric = [f.name for f in source.schema_arrow if pa.types.is_floating(f.type)]
        raise InputError(f"{path}: features.cross_domain_profile lists {', '.join(map(repr, missing))}, not a "
                         f"column of the pairs table (numeric columns: {', '.join(numeric)})")
    frame = source.read(columns=["tf_id", "domain_id", *dict.fromkeys(metrics)]).to_pandas()
    profile = cross_domain_profile(frame, metrics)
    schema = source.schema_arrow
    for column in profile.columns:
        schema = schema.append(pa.field(column, pa.float64()))
    start = 0
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for k in range(source.num_row_groups):
            group = source.read_row_group(k)
            stop = start + group.num_rows
            for column in profile.columns:
                group = group.append_column(column, pa.array(profile[column].to_numpy()[start:stop], pa.float64()))
            writer.write_table(group)
            start = stop
    counts = {c: int(profile[c].notna().sum()) for c in profile.columns}
    log.info("cross-domain profile of %s over %d pairs (values per column: %s)", ", ".join(metrics), len(profile),
             ", ".join(f"{c} {n}" for c, n in counts.items()))
    return len(profile)


__all__ = ["PREFIX", "add_profile_to_parquet", "cross_domain_profile", "profile_columns"]
