"""Cross-validation folds grouped by TF group: every group (all its pairs) in exactly one fold.

The group is the table's ``group`` column (``tfbind.model.data.resolve_groups``: by default the labels'
``tf_group``, e.g. the gene, so that overlapping tiles of one gene never straddle training and test), or the
``tf_id`` when the table has no ``group`` column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InputError

FOLD_COLUMNS = ["pair_id", "fold"]


def grouped_folds(table: pd.DataFrame, n_folds: int, seed: int) -> pd.Series:
    """pair_id -> fold (0..n_folds-1), every group in one fold, fold sizes balanced; deterministic for a seed.

    ``table`` holds the labelled pairs of one scope (``pair_id``, ``tf_id``, optional ``group``; rows with a NaN
    ``kd_nm``, where that column exists, are left out: only labelled pairs get a fold). TFs are shuffled with
    ``numpy.random.default_rng(seed)``, then dealt largest first (stable, so equal-sized TFs keep the
    shuffled order) each to the fold with the fewest pairs so far (ties: lowest fold number). Fold sizes
    then differ by at most the size of the largest TF group. The Series is named ``fold``, indexed by
    pair_id (named ``pair_id``) in the table's order.
    """
    if not isinstance(n_folds, (int, np.integer)) or n_folds < 2:
        raise InputError(f"cross-validation: n_folds must be an integer >= 2, got {n_folds!r}")
    for col in ("pair_id", "tf_id"):
        if col not in table.columns:
            raise InputError(f"cross-validation folds: table lacks column {col}")
    if "kd_nm" in table.columns:
        table = table[pd.to_numeric(table["kd_nm"], errors="coerce").notna()]
    duplicated = table["pair_id"].duplicated()
    if duplicated.any():
        raise InputError(f"cross-validation folds: pair_id {table['pair_id'][duplicated].iloc[0]!r} appears "
                         "more than once")
    tfs = table["group" if "group" in table.columns else "tf_id"].astype(str)
    sizes = tfs.value_counts()
    unique = np.array(sorted(sizes.index))
    if len(unique) < n_folds:
        raise InputError(f"cross-validation: {n_folds} folds need at least {n_folds} distinct TF groups, "
                         f"found {len(unique)}")
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(unique)
    counts = sizes.reindex(shuffled).to_numpy()
    order = np.argsort(-counts, kind="stable")
    load = np.zeros(n_folds, dtype=int)
    assigned: dict[str, int] = {}
    for i in order:
        k = int(np.argmin(load))
        assigned[shuffled[i]] = k
        load[k] += counts[i]
    folds = pd.Series(tfs.map(assigned).to_numpy(dtype=int), index=pd.Index(table["pair_id"], name="pair_id"),
                      name="fold")
    return folds


def read_folds(path) -> pd.Series:
    """A folds.tsv (pair_id, fold) as the Series of :func:`grouped_folds`."""
    df = pd.read_csv(path, sep="\t", dtype={"pair_id": str})
    missing = [c for c in FOLD_COLUMNS if c not in df.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return pd.Series(df["fold"].astype(int).to_numpy(), index=pd.Index(df["pair_id"], name="pair_id"),
                     name="fold")


def write_folds(folds: pd.Series, path) -> None:
    """Write ``folds`` as a TSV with columns pair_id, fold."""
    from ..io import write_tsv

    write_tsv(pd.DataFrame({"pair_id": folds.index, "fold": folds.to_numpy()}), path)


__all__ = ["FOLD_COLUMNS", "grouped_folds", "read_folds", "write_folds"]
