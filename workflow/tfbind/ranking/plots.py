"""Pictures of the ranking (:mod:`tfbind.plotting`: style, PNG writing, the ROC): score heatmap, score tracks per
TF gene (the top-candidate panels, PAE and inter-chain contact map: :mod:`.top_panels`), and, with labels,
observed vs predicted Kd and ROC / precision-recall curves from the out-of-fold cross-validation predictions.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..io import write_tsv
from ..plotting import message, pyplot, roc_curve, save
from .plot_selection import gene_index, select_tiles

log = logging.getLogger("tfbind.ranking")

CONTACT_CUTOFF = 8.0  # CB-CB (CA for Gly), Angstrom: the contact definition of pDockQ and the feature tables
# tile names on the heatmap axis up to this many tiles (the rank.heatmap_tiles default); gene names above
MAX_TILE_LABELS = 200


def scorer_caption(table: pd.DataFrame) -> str:
    """Which scorer the ranking's ``score`` holds in which domains (from ``scored_by``), for plot titles."""
    if "scored_by" not in table.columns:
        return ""
    by = table.groupby("scored_by")["domain_id"].unique()
    parts = [f"{'p_binder of the model' if k == 'model' else 'consensus'}: {', '.join(sorted(map(str, v)))}"
             for k, v in by.items()]
    return "; ".join(parts)


def heatmap(table: pd.DataFrame, coords: pd.DataFrame, path: str | Path, value: str = "consensus",
            max_tiles: int | None = None) -> tuple[int, int]:
    """Tiles (columns, ordered by gene and position) x domains (rows) coloured by ``value``. With more than
    ``max_tiles`` tiles, the ``max_tiles`` best in any domain (:func:`plot_selection.select_tiles`), and the
    title says "best N of M tiles"; with a ``scored_by`` column, which scorer each domain's value holds.
    Returns (tiles drawn, tiles in the table)."""
    plt = pyplot()
    if table.empty:
        message(path, "no pairs were read")
        return 0, 0
    order, total = select_tiles(table, coords, max_tiles if max_tiles else len(table), value)
    shown = table[table["tf_id"].isin(order)]
    grid = shown.pivot_table(index="domain_id", columns="tf_id", values=value, aggfunc="first", dropna=False)
    grid = grid.reindex(columns=order)
    n = len(order)
    fig, ax = plt.subplots(figsize=(min(max(0.2 * n + 3, 8), 40), 0.55 * len(grid) + 2.4))
    values = grid.to_numpy(dtype=float)
    # grey: a pair that was not screened, or failed (failed.tsv)
    cmap = plt.get_cmap("viridis").with_extremes(bad="#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap=cmap, vmin=0, vmax=1,
                   interpolation="nearest")
    ax.set_yticks(range(len(grid)), grid.index)
    genes = coords.set_index("tf_id").reindex(order)["gene"].fillna(pd.Series(order, index=order)).to_numpy()
    if n <= MAX_TILE_LABELS:
        ax.set_xticks(range(n), order, rotation=90, fontsize=7)
    else:
        starts = [0] + [i for i in range(1, n) if genes[i] != genes[i - 1]]
        ax.set_xticks(starts, genes[starts], rotation=90, fontsize=6)
    for i in range(1, n):
        if genes[i] != genes[i - 1]:
            ax.axvline(i - 0.5, color="white", lw=0.8)
    ax.set_xlabel("TF tile (ordered by gene and position)")
    ax.set_ylabel("domain")
    missing = "; grey: no score (pair not screened, or listed in failed.tsv)" if np.isnan(values).any() else ""
    caption = scorer_caption(shown)
    title = f"{value} per tile and domain (1 = best){missing}" + (f"\n{caption}" if caption else "")
    if n < total:
        title += (f"\nbest {n:,} of {total:,} tiles (highest {value} in any domain; {total - n:,} left out, "
                  f"every tile is in the per-domain ranking tables)")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01, label=value)
    save(fig, path)
    return n, total


def tracks(table: pd.DataFrame, coords: pd.DataFrame, out_dir: str | Path, value: str = "consensus",
           max_genes: int | None = None) -> pd.DataFrame:
    """One PNG per TF gene with known tile coordinates: ``value`` per domain along the protein (a bar over
    each tile's start..end, a line through the tile centres); with more such genes than ``max_genes``, the
    ``max_genes`` whose best tile scores highest. Writes ``index.tsv`` in ``out_dir`` (every gene, best first:
    :data:`plot_selection.INDEX_COLUMNS`, whether it was drawn and why not) and returns that table. Writes a
    note PNG when no tile has coordinates."""
    plt = pyplot()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = gene_index(table, coords, max_genes if max_genes else max(len(table), 1), value)
    known = coords[coords["start"].notna()]
    drawn = index.loc[index["drawn"] == "yes", "gene"]
    files = dict(zip(drawn, index.loc[index["drawn"] == "yes", "file"]))  # unique names (track_files)
    merged = table.merge(known[known["gene"].isin(drawn)], on="tf_id", how="inner")
    if merged.empty:
        p = out_dir / "no_coordinates.png"
        message(p, "No tile coordinates: add gene=/start=/end= to the TF FASTA headers, or name tiles GENE_N "
                    "and set tiling.step (docs/outputs.md).")
    else:
        domains = sorted(merged["domain_id"].unique())
        colours = dict(zip(domains, plt.get_cmap("tab10").colors))
        for k, (gene, rows) in enumerate(merged.groupby("gene", sort=True), start=1):
            fig, ax = plt.subplots(figsize=(9, 3.2))
            for d in domains:
                r = rows[rows["domain_id"] == d].sort_values("start")
                if r.empty:
                    continue
                centre = (r["start"] + r["end"]) / 2
                ax.plot(centre, r[value], "-o", color=colours[d], ms=3, lw=1, label=d)
                ax.hlines(r[value], r["start"], r["end"], color=colours[d], lw=3, alpha=0.35)
            ax.set_xlim(0, rows["end"].max() + 1)
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlabel(f"{gene} residue")
            ax.set_ylabel(value)
            caption = scorer_caption(rows)
            ax.set_title(f"{gene}: {value} of each tile along the protein" + (f"\n({caption})" if caption else ""),
                         fontsize=9 if caption else None)
            ax.legend(title="domain", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
            save(fig, out_dir / files[gene])
            if k % 10 == 0:
                log.info("score tracks: %d of %d drawn", k, len(drawn))
    write_tsv(index, out_dir / "index.tsv")
    return index


def observed_vs_predicted(oof: pd.DataFrame, path: str | Path, repeats: int = 1) -> None:
    """Observed vs predicted Kd (nM, log axes) of the out-of-fold predictions, one colour per domain;
    ``repeats``: how many repeated fold assignments each pair's prediction is the geometric mean of.

    A Kd that a log axis cannot show (0, inf, NaN: a fold model that extrapolated beyond the float range)
    is not drawn; the title and the log say how many, so the figure is never silently thinner."""
    plt = pyplot()
    kd = oof["kd_nm"].to_numpy(dtype=float)
    pred = oof["kd_pred_nm"].to_numpy(dtype=float)
    drawable = np.isfinite(kd) & (kd > 0) & np.isfinite(pred) & (pred > 0)
    hidden = int((~drawable).sum())
    if hidden:
        log.warning("observed vs predicted Kd: %d of %d out-of-fold pair(s) not drawn (Kd 0, inf or "
                    "missing), e.g. %s", hidden, len(oof),
                    ", ".join(map(str, oof.loc[~drawable, "pair_id"].iloc[:5])))
    oof = oof[drawable]
    if oof.empty:
        message(path, f"no out-of-fold pair with a finite, positive observed and predicted Kd ({hidden} not "
                       "drawn)")
        return
    fig, ax = plt.subplots(figsize=(6, 5.4))
    for d, r in oof.groupby("domain_category"):
        ax.scatter(r["kd_nm"], r["kd_pred_nm"], s=16, alpha=0.8, label=d)
    lo = np.nanmin([oof["kd_nm"].min(), oof["kd_pred_nm"].min()]) / 1.5
    hi = np.nanmax([oof["kd_nm"].max(), oof["kd_pred_nm"].max()]) * 1.5
    ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--", label="y = x")
    ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), xlabel="observed Kd (nM)",
           ylabel="predicted Kd (nM), out-of-fold")
    note = f"\n{hidden} pair(s) with a predicted Kd of 0, inf or none not drawn" if hidden else ""
    how = ("each pair predicted by the fold model that did not see it" if repeats <= 1 else
           f"each pair: geometric mean of {repeats} repeats' predictions by the fold model that did not see it")
    ax.set_title(f"Fusion model, cross-validation\n({how})" + note, fontsize=9)
    ax.legend(title="domain", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    save(fig, path)


def roc_pr(curves: pd.DataFrame, path: str | Path, repeats: int = 1) -> None:
    """ROC and precision-recall per domain (rows) for each predictor (``curves``: domain_category,
    predictor, score, binder; ``repeats``: how many repeated fold assignments each score is the mean of)."""
    from sklearn.metrics import precision_recall_curve

    plt = pyplot()
    domains = sorted(curves["domain_category"].unique())
    fig, axes = plt.subplots(len(domains), 2, figsize=(9, 3.2 * len(domains)), squeeze=False)
    for i, d in enumerate(domains):
        g = curves[curves["domain_category"] == d]
        ax_roc, ax_pr = axes[i]
        for name, r in g.groupby("predictor", sort=False):
            r = r[np.isfinite(r["score"]) & np.isfinite(r["binder"])]
            if r["binder"].nunique() < 2:
                continue
            fpr, tpr, auc = roc_curve(r["binder"], r["score"])
            prec, rec, _ = precision_recall_curve(r["binder"], r["score"])
            ax_roc.plot(fpr, tpr, label=f"{name} (AUC {auc:.2f})")
            ax_pr.plot(rec, prec, label=name)
        ax_roc.plot([0, 1], [0, 1], color="grey", lw=0.6, ls="--")
        ax_roc.set(title=f"{d}: ROC", xlabel="false positive rate", ylabel="true positive rate")
        ax_pr.set(title=f"{d}: precision-recall", xlabel="recall", ylabel="precision", ylim=(0, 1.02))
        if ax_roc.lines[:-1]:
            ax_roc.legend(fontsize=7, loc="lower right")
        base = g.drop_duplicates("pair_id")["binder"].mean() if "pair_id" in g else math.nan
        if np.isfinite(base):
            ax_pr.axhline(base, color="grey", lw=0.6, ls="--")
    mean = f"\neach pair's score: its mean over {repeats} repeated fold assignments" if repeats > 1 else ""
    fig.suptitle(f"Out-of-fold (cross-validation) scores vs binder labels, within each domain{mean}", fontsize=10)
    fig.tight_layout()
    save(fig, path)


__all__ = ["heatmap", "observed_vs_predicted", "roc_pr", "tracks"]
