"""From pairs.parquet + labels to model inputs: label join, groups, targets, splits, standardisation, prior.

Everything fitted from data (imputation medians, per-domain means and scales, target constants, prior weights)
is fitted on the TRAINING rows of the scope only and kept as plain data (:meth:`Preprocessor.to_meta`,
:meth:`TargetTransform.to_meta`) in the checkpoint, so prediction applies exactly the same transforms.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..defaults import allowed, defaults
from ..errors import InputError
from . import FEATURE_GROUPS, feature_list

log = logging.getLogger("tfbind.model")

MODEL_SEQUENCE_COLUMNS = ("tf_sequence", "domain_sequence")
SCORING_ID_COLUMNS = ("pair_id", "domain_category")  # what scoring needs; training also joins on tf_id, domain_id
JOIN_COLUMNS = ("tf_id", "domain_id")
SPLIT_NAMES = ("train", "val", "test")
GROUP_BY = allowed("evaluate.group_by")  # the schema's enum: tf_group, tf_id


# ---------------------------------------------------------------------------------------------------------
# Label join
# ---------------------------------------------------------------------------------------------------------
def required_columns(features: dict[str, list[str]], sequences: bool = False) -> list[str]:
    """Columns of the pairs table the model reads: identity, every feature column (and the sequences when
    a residue encoder is used)."""
    cols = [*SCORING_ID_COLUMNS, *(MODEL_SEQUENCE_COLUMNS if sequences else ())]
    return cols + [c for c in feature_list(features) if c not in cols]


def check_columns(pairs: pd.DataFrame, features: dict[str, list[str]], what: str = "pairs table",
                  sequences: bool = False) -> None:
    """InputError naming every column the model needs that ``pairs`` lacks."""
    missing = [c for c in required_columns(features, sequences) if c not in pairs.columns]
    if missing:
        raise InputError(f"{what}: missing column(s) {', '.join(missing)} (the model uses them)")


def resolve_groups(table: pd.DataFrame, group_by: str) -> tuple[pd.Series, str]:
    """(group of every row, where it came from) for grouped splits and folds.

    ``group_by: tf_group``: the labels' ``tf_group`` column (e.g. the gene: overlapping tiles of one gene
    share sequence and must not straddle train and test), else a ``tf_group`` column of the pairs table
    (the ``group=`` key of the TF FASTA header, written by the features stage; renamed ``tf_group_pairs``
    by :func:`join_labels`), else the tile's own ``tf_id``; ``group_by: tf_id``: the
    tile.
    Rows with an empty group fall back to their ``tf_id``.
    """
    if group_by not in GROUP_BY:
        raise InputError(f"evaluate.group_by: {group_by!r} is not one of {', '.join(GROUP_BY)}")
    tf = table["tf_id"].astype(str)
    if group_by == "tf_group":
        for col, source in (("tf_group", "labels tf_group"), ("tf_group_pairs", "TF FASTA group= key")):
            if col in table.columns and table[col].notna().any():
                group = table[col].astype("string").str.strip()
                group = group.where(group.notna() & (group != ""), tf).astype(str)
                return pd.Series(group.to_numpy(), index=table.index, name="group"), source
    return pd.Series(tf.to_numpy(), index=table.index, name="group"), "tf_id"


def join_labels(
    pairs: pd.DataFrame, labels: pd.DataFrame, scope: str, features: dict, min_pairs: int, group_by: str,
) -> pd.DataFrame:
    """The labelled pairs of ``scope`` ("all" or a domain category): pairs rows + ``kd_nm``, ``binder``
    (where labelled) and ``group`` (:func:`resolve_groups`), index 0..n-1.

    Pairs without a label are not used for training; labels without a pair are counted and logged. Feature
    columns absent from the pairs table are treated as empty (the model drops them with a warning).
    """
    missing = [c for c in (*JOIN_COLUMNS, *SCORING_ID_COLUMNS) if c not in pairs.columns]
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
    extra = [c for c in ("binder", "tf_group") if c in labels.columns]
    lab = labels[["tf_id", "domain_id", *extra]].assign(kd_nm=kd.astype(float))
    left = pairs.drop(columns=["kd_nm", "binder"], errors="ignore")
    if "tf_group" in left.columns:
        left = left.rename(columns={"tf_group": "tf_group_pairs"})
    table = left.merge(lab, on=["tf_id", "domain_id"], how="inner")
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
    table = table.sort_values("pair_id", kind="stable").reset_index(drop=True)
    table["group"], source = resolve_groups(table, group_by)
    log.info("scope %s: groups for splits and folds from %s (%d groups, %d TFs)", scope, source,
             table["group"].nunique(), table["tf_id"].nunique())
    table.attrs["group_source"] = source
    return table


# ---------------------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------------------
def pkd(kd_nm) -> np.ndarray:
    """pKd = -log10(Kd in M) of Kd in nM."""
    return -np.log10(np.asarray(kd_nm, dtype=float) * 1e-9)


def kd_from_pkd(value) -> np.ndarray:
    """Kd in nM of a pKd."""
    return 10.0 ** (-np.asarray(value, dtype=float)) / 1e-9


@dataclass
class TargetTransform:
    """Kd (nM) <-> the model's targets; larger = stronger binding. Fitted on the training rows.

    * the training target: z = (pKd - mu[c]) / sd[c], pKd = -log10(Kd [M]), mu/sd = mean and population SD
      of the training pKd of domain category c (SD 0 up to round-off (:func:`spread`) or a single row: 1; a
      category without training rows: the pooled mean/SD). Right-censored Kd (the assay ceiling) are used
      as measured;
    * :meth:`pkd_of` maps a predicted z back: pKd = mu[c] + sd[c] * z;
    * the score scale: t = (pKd - lo) / (hi - lo), lo/hi = min/max training pKd, clipped to [0, 1]
      (:meth:`transform` of a Kd, :meth:`score` of a pKd); :meth:`inverse` maps t back to Kd (nM).
    """

    kind: str
    lo: float
    hi: float
    mean: dict[str, float] = field(default_factory=dict)
    sd: dict[str, float] = field(default_factory=dict)
    pooled: tuple[float, float] = (0.0, 1.0)

    @classmethod
    def fit(cls, kind: str, kd_nm: np.ndarray, categories=None) -> "TargetTransform":
        if kind != "neglog10_kd":
            raise InputError(f"train.target: unknown target {kind!r}")
        values = pkd(kd_nm)
        lo, hi = float(values.min()), float(values.max())
        if hi - lo <= round_off(values):  # every training Kd equal: any positive span keeps it invertible
            hi = lo + 1.0
        cats = np.asarray(["all"] * len(values) if categories is None else categories, dtype=str)
        mean, sd = {}, {}
        for c in sorted(set(cats)):
            v = values[cats == c]
            mean[c] = float(v.mean())
            sd[c] = spread(v)
        return cls(kind, lo, hi, mean, sd, (float(values.mean()), spread(values)))

    def _stats(self, categories) -> tuple[np.ndarray, np.ndarray]:
        cats = pd.Series(np.asarray(categories, dtype=str))
        mu = cats.map(self.mean).fillna(self.pooled[0]).to_numpy(dtype=float)
        sd = cats.map(self.sd).fillna(self.pooled[1]).to_numpy(dtype=float)
        return mu, sd

    def z(self, kd_nm, categories) -> np.ndarray:
        mu, sd = self._stats(categories)
        return (pkd(kd_nm) - mu) / sd

    def pkd_of(self, z, categories) -> np.ndarray:
        mu, sd = self._stats(categories)
        return mu + sd * np.asarray(z, dtype=float)

    def score(self, pkd_values) -> np.ndarray:
        return np.clip((np.asarray(pkd_values, dtype=float) - self.lo) / (self.hi - self.lo), 0.0, 1.0)

    def transform(self, kd_nm) -> np.ndarray:
        return self.score(pkd(kd_nm))

    def inverse(self, score) -> np.ndarray:
        return kd_from_pkd(self.lo + np.asarray(score, dtype=float) * (self.hi - self.lo))

    def to_meta(self) -> dict:
        return {"kind": self.kind, "lo": self.lo, "hi": self.hi, "mean": dict(self.mean), "sd": dict(self.sd),
                "pooled": list(self.pooled)}

    @classmethod
    def from_meta(cls, meta: dict) -> "TargetTransform":
        return cls(meta["kind"], float(meta["lo"]), float(meta["hi"]),
                   {k: float(v) for k, v in meta.get("mean", {}).items()},
                   {k: float(v) for k, v in meta.get("sd", {}).items()},
                   tuple(float(v) for v in meta.get("pooled", (0.0, 1.0))))


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
    """Split labels with every TF group (all its pairs; ``group`` column, else ``tf_id``) in exactly one of
    train/val/test.

    Groups are shuffled (seeded) and each goes to the split furthest below its target row count
    (val and test are served first until they have a group each; a split with fraction 0 gets none).
    """
    tfs = table["group" if "group" in table.columns else "tf_id"].astype(str).to_numpy()
    unique = np.array(sorted(set(tfs)))
    if len(unique) < 3:
        raise InputError(f"split group_tf: needs at least 3 distinct TF groups, found {len(unique)}")
    rng = np.random.default_rng(seed)
    counts = pd.Series(tfs).value_counts()
    target = np.asarray(fractions, dtype=float) * len(table)
    have = np.zeros(3)
    assigned: dict[str, str] = {}
    wanted = [k for k in (1, 2) if target[k] > 0]
    for i, tf in enumerate(rng.permutation(unique)):
        if i < len(wanted):
            k = wanted[i]  # first group to val, second to test: neither is left empty
        else:
            k = int(np.argmax(np.where(target > 0, (target - have) / np.maximum(target, 1e-12), -np.inf)))
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
class Preprocessor:
    """Pairs table -> the model's standardised inputs (fitted on the training rows).

    * columns: the configured feature groups minus the columns without a value in any training row
      (``dropped``, logged as a warning);
    * missing values -> the column's training median (``imputed`` flags the row);
    * then each column is z-scored WITHIN the row's domain category with that category's training mean
      and population SD (SD 0 up to round-off -> 1, :func:`spread`); a category the model was not trained
      on uses the pooled training mean/SD and is flagged (``category_seen`` False).
    """

    features: dict[str, list[str]]
    categories: list[str]
    medians: dict[str, float] = field(default_factory=dict)
    mean: dict[str, list[float]] = field(default_factory=dict)  # category -> per column
    scale: dict[str, list[float]] = field(default_factory=dict)
    pooled_mean: list[float] = field(default_factory=list)
    pooled_scale: list[float] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    max_len: int = 128

    @property
    def columns(self) -> list[str]:
        return feature_list(self.features)

    @classmethod
    def fit(cls, train: pd.DataFrame, categories: list[str], config: dict) -> "Preprocessor":
        features, dropped = {}, []
        for group in FEATURE_GROUPS:
            kept = []
            for col in config["features"].get(group, []):
                values = (pd.to_numeric(train[col], errors="coerce").to_numpy(dtype=float)
                          if col in train.columns else np.full(len(train), np.nan))
                (kept if np.isfinite(values).any() else dropped).append(col)
            features[group] = kept
        if dropped:
            log.warning("feature column(s) without a value in any of the %d training rows, dropped: %s",
                        len(train), ", ".join(dropped))
        prep = cls(features, list(categories), dropped=dropped,
                   max_len=int(config.get("max_len", defaults("train.max_len"))))
        if not prep.columns:
            raise InputError("no configured feature column has a value in the training rows "
                             f"(dropped: {', '.join(dropped)})")
        raw = train[prep.columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        prep.medians = {c: float(np.nanmedian(raw[:, j])) for j, c in enumerate(prep.columns)}
        filled, _ = prep._impute(raw)
        cats = train["domain_category"].astype(str).to_numpy()
        for c in prep.categories:
            rows = filled[cats == c]
            prep.mean[c], prep.scale[c] = _moments(rows if len(rows) else filled)
        prep.pooled_mean, prep.pooled_scale = _moments(filled)
        return prep

    def _impute(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        missing = ~np.isfinite(raw)
        filled = np.where(missing, np.asarray([self.medians[c] for c in self.columns]), raw)
        return filled, missing

    def missing_everywhere(self, table: pd.DataFrame) -> list[str]:
        """The inputs without a value in any row of ``table`` (none for an empty table): :meth:`transform`
        fills them with the training median for every pair, a WARNING in the log."""
        if table.empty:
            return []
        raw = table[self.columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        return [c for c, none in zip(self.columns, (~np.isfinite(raw)).all(axis=0)) if none]

    def imputed_inputs(self, table: pd.DataFrame) -> list[str]:
        """Per row, the comma-joined names of the inputs :meth:`transform` fills with the training median
        ("" where none): the ranking's ``imputed`` column."""
        raw = table[self.columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        names = np.asarray(self.columns, dtype=object)
        return [", ".join(names[row]) for row in ~np.isfinite(raw)]

    def category_index(self, categories: pd.Series) -> np.ndarray:
        """Index of each row's category in ``categories``; -1 for a category the model has not seen."""
        lookup = {c: i for i, c in enumerate(self.categories)}
        return categories.astype(str).map(lookup).fillna(-1).to_numpy(dtype=np.int64)

    def transform(self, table: pd.DataFrame,
                  residue_encoder: str = defaults("train.residue_encoder")) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(arrays ``x`` (n, F) float32, ``category`` (n,) int64 [-1 = unseen] and, with a residue encoder
        (``index``/``tokens``), the encoded ``tf_seq``/``domain_seq``; per-row bool 'some input was
        imputed'). Logs the imputed counts."""
        sequences = residue_encoder != "none"
        check_columns(table, self.features, sequences=sequences)
        raw = table[self.columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        filled, missing = self._impute(raw)
        for col, n in zip(self.columns, missing.sum(axis=0)):
            if n and n == len(table):  # the model scores without this input: say so where it is seen
                log.warning("input %s missing for every pair (%d): imputed with the training median %.4g, so "
                            "it does not tell the pairs apart", col, n, self.medians[col])
            elif n:
                log.info("imputed %d missing value(s) of %s with the training median %.4g", n, col,
                         self.medians[col])
        category = self.category_index(table["domain_category"])
        mean = np.array([self.mean[c] for c in self.categories] + [self.pooled_mean]).reshape(
            len(self.categories) + 1, len(self.columns))
        scale = np.array([self.scale[c] for c in self.categories] + [self.pooled_scale]).reshape(
            len(self.categories) + 1, len(self.columns))
        x = (filled - mean[category]) / scale[category]  # index -1 = the pooled row
        imputed = missing.any(axis=1)
        if imputed.any():
            log.info("%d of %d row(s) have at least one imputed input", int(imputed.sum()), len(table))
        arrays = {"x": x.astype(np.float32), "category": category}
        if sequences:
            from .encoding import encode

            for key, col in (("tf_seq", "tf_sequence"), ("domain_seq", "domain_sequence")):
                arrays[key] = encode(table[col], self.max_len, residue_encoder)
        return arrays, imputed

    def to_meta(self) -> dict:
        return {
            "features": {g: list(c) for g, c in self.features.items()},
            "categories": list(self.categories),
            "medians": dict(self.medians),
            "mean": {c: list(v) for c, v in self.mean.items()},
            "scale": {c: list(v) for c, v in self.scale.items()},
            "pooled_mean": list(self.pooled_mean),
            "pooled_scale": list(self.pooled_scale),
            "dropped": list(self.dropped),
            "max_len": self.max_len,
        }

    @classmethod
    def from_meta(cls, meta: dict) -> "Preprocessor":
        return cls(
            {g: list(c) for g, c in meta["features"].items()},
            list(meta["categories"]),
            {k: float(v) for k, v in meta["medians"].items()},
            {c: [float(x) for x in v] for c, v in meta["mean"].items()},
            {c: [float(x) for x in v] for c, v in meta["scale"].items()},
            [float(x) for x in meta["pooled_mean"]],
            [float(x) for x in meta["pooled_scale"]],
            list(meta.get("dropped", [])),
            int(meta.get("max_len", defaults("train.max_len"))),
        )


#: A spread at or below ROUND_OFF x max(1, largest |value|) is floating-point round-off, not data: the mean of
#: n equal doubles is not always that double (three values of 0.1 give an SD of 1.4e-17), and dividing by
#: such an SD turned a held-out value 0.1 away into a z of 10^16 (predicted Kd 0 or inf). The floor of 1
#: also treats an absolute spread below 1e-12 as none: no input of the model (scores, areas, counts,
#: sequence fractions, pKd) carries signal at that level. float64 round-off is about 1e-16 relative, so
#: 1e-12 leaves four orders of margin above it and far below any real spread.
ROUND_OFF = 1e-12


def round_off(values: np.ndarray, axis=None) -> np.ndarray | float:
    """The largest spread of ``values`` (per column with ``axis=0``) that is round-off (:data:`ROUND_OFF`)."""
    return ROUND_OFF * np.maximum(1.0, np.abs(values).max(axis=axis))


def spread(values: np.ndarray) -> float:
    """Population SD of ``values``, or 1.0 when it is round-off (:data:`ROUND_OFF`): a constant input or
    target then passes unscaled instead of being blown up by 1 / (round-off)."""
    sd = float(np.std(values))
    return sd if sd > round_off(values) else 1.0


def _moments(x: np.ndarray) -> tuple[list[float], list[float]]:
    """Per-column mean and population SD of ``x`` (rows x columns); an SD that is round-off is 1."""
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    sd = np.where(sd > round_off(x, axis=0), sd, 1.0)  # NaN never arises: x is imputed, hence finite
    return [float(v) for v in mean], [float(v) for v in sd]


def prior_weights(x: np.ndarray, z: np.ndarray, columns: list[str], prior: list[str]) -> np.ndarray:
    """w0 = c * p: p = +1 on the ``prior`` columns present (0 elsewhere), c = (s . z) / (s . s) with
    s = x @ p, the least-squares scale of the prior score against the target on the training rows
    (0 when no prior column is present)."""
    p = np.array([1.0 if c in prior else 0.0 for c in columns])
    s = x @ p
    ss = float(s @ s)
    c = float(s @ z) / ss if ss > 0 else 0.0
    return c * p


def to_tensors(arrays: dict[str, np.ndarray], device="cpu") -> dict:
    """numpy arrays -> torch tensors on ``device`` (the only part of this module that needs torch)."""
    import torch

    # np.array copies: pandas 3 hands out read-only arrays, torch wants writable memory
    return {k: torch.from_numpy(np.array(v, copy=True)).to(device) for k, v in arrays.items()}
