"""From pairs.parquet + labels to model inputs: label join, targets, splits, imputation, scaling, tensors.

Everything fitted from data (target constants, imputation medians, scalers) is fitted on the TRAINING rows of
the scope only and kept as plain data (:meth:`Preprocessor.to_meta`) in the checkpoint, so prediction applies
exactly the same transforms.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from .encoding import encode

log = logging.getLogger("tfbind.model")

MODEL_SEQUENCE_COLUMNS = ("tf_sequence", "domain_sequence")
SCORING_ID_COLUMNS = ("pair_id", "domain_category")  # what scoring needs; training also joins on tf_id, domain_id
JOIN_COLUMNS = ("tf_id", "domain_id")
SPLIT_NAMES = ("train", "val", "test")


# ---------------------------------------------------------------------------------------------------------
# Label join
# ---------------------------------------------------------------------------------------------------------
def required_columns(features: dict[str, list[str]]) -> list[str]:
    """Columns of the pairs table the model reads: identity, sequences and every feature column."""
    cols = [*SCORING_ID_COLUMNS, *MODEL_SEQUENCE_COLUMNS]
    for group in ("interface", "alphafold"):
        cols += [c for c in features[group] if c not in cols]
    return cols


def check_columns(pairs: pd.DataFrame, features: dict[str, list[str]], what: str = "pairs table") -> None:
    """InputError naming every column the model needs that ``pairs`` lacks."""
    missing = [c for c in required_columns(features) if c not in pairs.columns]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(missing)} (the model uses them)")


def join_labels(
    pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, features: dict, min_pairs: int
) -> pd.DataFrame:
    """The labelled pairs of ``scope`` ("all" or a domain category): pairs rows + ``kd_nm``, index 0..n-1.

    Pairs without a label are not used for training; labels without a pair are counted and logged.
    """
    check_columns(pairs, features)
    missing = [c for c in JOIN_COLUMNS if c not in pairs.columns]
    if missing:
        raise InputError(f"pairs table: missing column(s) {', '.join(missing)} (needed to join the labels)")
    for col in (*JOIN_COLUMNS, "kd_nm"):
        if col not in labels.columns:
            raise InputError(f"labels table: missing column {col}")
    if pairs.duplicated(["tf_id", "domain_id"]).any():
        dup = pairs.loc[pairs.duplicated(["tf_id", "domain_id"]), ["tf_id", "domain_id"]].iloc[0]
        raise InputError(
            f"pairs table: more than one row for tf_id {dup.tf_id!r}, domain_id {dup.domain_id!r}"
        )
    kd = pd.to_numeric(labels["kd_nm"], errors="coerce")
    if not (kd > 0).all():
        raise InputError("labels table: every kd_nm must be a positive number")
    lab = labels[["tf_id", "domain_id"]].assign(kd_nm=kd.astype(float))
    table = pairs.drop(columns=["kd_nm"], errors="ignore").merge(lab, on=["tf_id", "domain_id"], how="inner")
    unmatched = len(lab) - len(table)
    if unmatched:
        log.info("labels: %d of %d labelled (tf_id, domain_id) have no row in the pairs table",
                 unmatched, len(lab))
    if scope != "all":
        known = sorted(table["domain_category"].dropna().unique())
        table = table[table["domain_category"] == scope]
        if table.empty:
            raise InputError(
                f"scope {scope!r}: no labelled pairs of that domain category (labelled: {', '.join(known)})"
            )
    if table["domain_category"].isna().any():
        raise InputError("pairs table: domain_category is empty for some labelled pairs")
    if len(table) < min_pairs:
        raise InputError(
            f"scope {scope!r}: only {len(table)} labelled pair(s); at least {min_pairs} are needed to train"
        )
    return table.sort_values("pair_id", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------------------
@dataclass
class TargetTransform:
    """Kd (nM) <-> target/score in [0, 1]; larger = stronger binding.

    * ``minmax_kd``: t = 1 - (Kd - lo) / (hi - lo), lo/hi = min/max Kd (nM) of the training rows;
    * ``neglog10_kd``: p = -log10(Kd * 1e-9) (pKd, Kd in M); t = (p - lo) / (hi - lo), lo/hi = min/max pKd.

    Targets are clipped to [0, 1]; :meth:`inverse` maps a score back to Kd in nM (scores outside [0, 1]
    extrapolate linearly on the same scale; with ``minmax_kd`` a Kd below 0 is floored at 0).
    """

    kind: str
    lo: float
    hi: float

    @classmethod
    def fit(cls, kind: str, kd_nm: np.ndarray) -> "TargetTransform":
        kd = np.asarray(kd_nm, dtype=float)
        values = kd if kind == "minmax_kd" else cls._pkd(kd)
        lo, hi = float(values.min()), float(values.max())
        if hi <= lo:  # every training Kd equal: any positive span keeps the map invertible
            hi = lo + 1.0
        return cls(kind, lo, hi)

    @staticmethod
    def _pkd(kd_nm: np.ndarray) -> np.ndarray:
        return -np.log10(np.asarray(kd_nm, dtype=float) * 1e-9)

    def transform(self, kd_nm) -> np.ndarray:
        kd = np.asarray(kd_nm, dtype=float)
        if self.kind == "minmax_kd":
            t = 1.0 - (kd - self.lo) / (self.hi - self.lo)
        elif self.kind == "neglog10_kd":
            t = (self._pkd(kd) - self.lo) / (self.hi - self.lo)
        else:
            raise ValueError(f"unknown target {self.kind!r}")
        return np.clip(t, 0.0, 1.0)

    def inverse(self, score) -> np.ndarray:
        s = np.asarray(score, dtype=float)
        if self.kind == "minmax_kd":
            return np.maximum(self.lo + (1.0 - s) * (self.hi - self.lo), 0.0)
        pkd = self.lo + s * (self.hi - self.lo)
        return 10.0 ** (-pkd) / 1e-9

    def to_meta(self) -> dict:
        return {"kind": self.kind, "lo": self.lo, "hi": self.hi}

    @classmethod
    def from_meta(cls, meta: dict) -> "TargetTransform":
        return cls(meta["kind"], float(meta["lo"]), float(meta["hi"]))


# ---------------------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------------------
def _quartile(values: np.ndarray) -> np.ndarray:
    """0..3 by rank (ties share the lower rank), robust to repeated values."""
    ranks = pd.Series(values).rank(method="min").to_numpy() - 1
    return np.minimum((4 * ranks / len(values)).astype(int), 3)


def _deal(n: int, fractions) -> np.ndarray:
    """n split names dealt in order: each slot goes to the split furthest below its share so far."""
    share = np.asarray(fractions, dtype=float)
    have = np.zeros(3)
    out = np.empty(n, dtype=object)
    for k in range(n):
        j = int(np.argmax(share * (k + 1) - have - 1e-9 * np.arange(3)))
        out[k] = SPLIT_NAMES[j]
        have[j] += 1
    return out


def split_stratified(table: pd.DataFrame, seed: int, fractions=(0.8, 0.1, 0.1)) -> np.ndarray:
    """Split labels ("train"/"val"/"test") stratified on domain category x Kd quartile.

    Rows are shuffled (seeded) within their stratum, strata are laid end to end, and the split is dealt
    along that order by :func:`_deal` (for 80/10/10: val at the 4th and test at the 7th of every 10 rows),
    so the overall proportions are exact to a row and every stratum gets its share.
    A category left without a training row (tiny categories) has one of its rows moved to train.
    The Kd quartile is computed on the scope's rows (ranks only; targets are monotone in Kd).
    """
    rng = np.random.default_rng(seed)
    n = len(table)
    quart = _quartile(table["kd_nm"].to_numpy())
    strata = table["domain_category"].astype(str).to_numpy() + "|" + quart.astype(str)
    order = []
    for stratum in sorted(set(strata)):
        members = np.flatnonzero(strata == stratum)
        order.extend(rng.permutation(members))
    labels = np.empty(n, dtype=object)
    labels[np.asarray(order, dtype=int)] = _deal(n, fractions)
    categories = table["domain_category"].to_numpy()
    for cat in sorted(set(categories)):
        rows = np.flatnonzero(categories == cat)
        if not (labels[rows] == "train").any():
            labels[rows[0]] = "train"
    return labels.astype(str)


def split_group_tf(table: pd.DataFrame, seed: int, fractions=(0.8, 0.1, 0.1)) -> np.ndarray:
    """Split labels with every TF (all its pairs) in exactly one of train/val/test.

    TFs are shuffled (seeded) and each goes to the split furthest below its target row count
    (val and test are served first until they have a TF each).
    """
    tfs = table["tf_id"].to_numpy()
    unique = np.array(sorted(set(tfs)))
    if len(unique) < 3:
        raise InputError(f"split group_tf: needs at least 3 distinct TFs, found {len(unique)}")
    rng = np.random.default_rng(seed)
    counts = pd.Series(tfs).value_counts()
    target = np.asarray(fractions, dtype=float) * len(table)
    have = np.zeros(3)
    assigned: dict[str, str] = {}
    for i, tf in enumerate(rng.permutation(unique)):
        if i < 2:
            k = i + 1  # first TF to val, second to test: neither is left empty
        else:
            k = int(np.argmax((target - have) / target))
        assigned[tf] = SPLIT_NAMES[k]
        have[k] += counts[tf]
    return np.array([assigned[t] for t in tfs])


def make_split(table: pd.DataFrame, how: str, seed: int, fractions=(0.8, 0.1, 0.1)) -> np.ndarray:
    if how == "stratified":
        return split_stratified(table, seed, fractions)
    if how == "group_tf":
        return split_group_tf(table, seed, fractions)
    raise InputError(f"unknown split {how!r}")


# ---------------------------------------------------------------------------------------------------------
# Imputation, scaling, tensors
# ---------------------------------------------------------------------------------------------------------
@dataclass
class Scaler:
    """StandardScaler equivalent: (x - mean) / scale, scale = population std (1 where the std is 0)."""

    mean: list[float]
    scale: list[float]

    @classmethod
    def fit(cls, x: np.ndarray) -> "Scaler":
        mean = x.mean(axis=0)
        std = x.std(axis=0)
        std[~(std > 0)] = 1.0
        return cls([float(v) for v in mean], [float(v) for v in std])

    def transform(self, x: np.ndarray) -> np.ndarray:
        return (x - np.asarray(self.mean)) / np.asarray(self.scale)


@dataclass
class Preprocessor:
    """Everything between a pairs table and the model's input tensors (fitted on training rows)."""

    features: dict[str, list[str]]
    encoding: str
    max_len: int
    categories: list[str]
    medians: dict[str, float] = field(default_factory=dict)
    scalers: dict[str, Scaler] = field(default_factory=dict)

    @classmethod
    def fit(cls, train: pd.DataFrame, categories: list[str], config: dict) -> "Preprocessor":
        prep = cls({g: list(c) for g, c in config["features"].items()}, config["encoding"], config["max_len"],
                   list(categories))
        for group in ("interface", "alphafold"):
            cols = prep.features[group]
            raw = train[cols].to_numpy(dtype=float)
            for j, col in enumerate(cols):
                med = np.nanmedian(raw[:, j]) if np.isfinite(raw[:, j]).any() else math.nan
                if not math.isfinite(med):
                    raise InputError(f"feature {col!r}: no value in any of the {len(train)} training rows")
                prep.medians[col] = float(med)
            prep.scalers[group] = Scaler.fit(prep._impute(raw, cols)[0])
        return prep

    def _impute(self, raw: np.ndarray, cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
        missing = ~np.isfinite(raw)
        filled = np.where(missing, np.asarray([self.medians[c] for c in cols]), raw)
        return filled, missing

    def category_index(self, categories: pd.Series) -> np.ndarray:
        lookup = {c: i for i, c in enumerate(self.categories)}
        unknown = sorted(set(categories.astype(str)) - set(lookup))
        if unknown:
            raise InputError(
                f"domain_category {', '.join(map(repr, unknown))} not known to the model "
                f"(trained on: {', '.join(self.categories)})"
            )
        return categories.astype(str).map(lookup).to_numpy(dtype=np.int64)

    def transform(self, table: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(arrays for the model, per-row bool 'some numeric input was imputed'). Logs the imputed counts."""
        check_columns(table, self.features)
        arrays: dict[str, np.ndarray] = {}
        imputed = np.zeros(len(table), dtype=bool)
        for group in ("interface", "alphafold"):
            cols = self.features[group]
            filled, missing = self._impute(table[cols].to_numpy(dtype=float), cols)
            for col, n in zip(cols, missing.sum(axis=0)):
                if n:
                    log.info("imputed %d missing value(s) of %s with the training median %.4g", n, col,
                             self.medians[col])
            imputed |= missing.any(axis=1)
            arrays[group] = self.scalers[group].transform(filled).astype(np.float32)
        arrays["tf_seq"] = encode(table["tf_sequence"], self.max_len, self.encoding)
        arrays["domain_seq"] = encode(table["domain_sequence"], self.max_len, self.encoding)
        arrays["category"] = self.category_index(table["domain_category"])
        if imputed.any():
            log.info("%d of %d row(s) have at least one imputed input", int(imputed.sum()), len(table))
        return arrays, imputed

    def to_meta(self) -> dict:
        return {
            "features": {g: list(c) for g, c in self.features.items()},
            "encoding": self.encoding,
            "max_len": self.max_len,
            "categories": list(self.categories),
            "medians": dict(self.medians),
            "scalers": {g: {"mean": list(s.mean), "scale": list(s.scale)} for g, s in self.scalers.items()},
        }

    @classmethod
    def from_meta(cls, meta: dict) -> "Preprocessor":
        return cls(
            {g: list(c) for g, c in meta["features"].items()},
            meta["encoding"],
            int(meta["max_len"]),
            list(meta["categories"]),
            {k: float(v) for k, v in meta["medians"].items()},
            {g: Scaler(list(s["mean"]), list(s["scale"])) for g, s in meta["scalers"].items()},
        )


def to_tensors(arrays: dict[str, np.ndarray], device="cpu") -> dict:
    """numpy arrays -> torch tensors on ``device`` (the only part of this module that needs torch)."""
    import torch

    # np.array copies: pandas 3 hands out read-only arrays, torch wants writable memory
    return {k: torch.from_numpy(np.array(v, copy=True)).to(device) for k, v in arrays.items()}
