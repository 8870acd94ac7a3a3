"""Plain-words summary of a metrics table: which predictor ranks best within each domain.

The headline of the evaluation is the within-domain ranking of held-out pairs: binder AUROC of the
cross-validation rows (mean over repeats, ``auroc_sd`` the spread over fold assignments), with the Spearman
correlation with -log10 Kd beside it. Where the metrics table has no ``cv`` rows, the ``test`` rows are used
(one split: read the numbers with more caution). Pooled R2 is shown next to the per-domain mean baseline.
Where the cross-validation rows carry the paired differences (``fusion_minus_auroc`` with its gene-bootstrap
interval, ``metrics.fusion_differences``), each sentence says whether the fusion model and the best other
predictor differ on these data or tie (the interval holds 0).
"""

from __future__ import annotations

import math

import pandas as pd

#: Predictors never named "best": domain_mean is constant within a domain.
NOT_RANKING = ("domain_mean",)


def _fmt(value: float, sd: float | None = None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if sd is not None and math.isfinite(sd):
        return f"{value:.3f} +- {sd:.3f}"
    return f"{value:.3f}"


def _versus(row) -> str:
    """' (fusion minus `X`: d [lo, hi], a tie on these data)' from a metrics row; '' without the columns."""
    point, lo, hi = (row.get(c) for c in ("fusion_minus_auroc", "fusion_minus_auroc_low", "fusion_minus_auroc_high"))
    if point is None or lo is None or hi is None or not all(math.isfinite(v) for v in (point, lo, hi)):
        return ""
    verdict = ("a tie on these data" if lo <= 0 <= hi else
               "the fusion model is better on these data" if lo > 0 else f"`{row.predictor}` is better on these data")
    return (f" (fusion minus `{row.predictor}`: {point:+.3f}, "
            f"gene-bootstrap 95 % interval [{lo:+.3f}, {hi:+.3f}]: {verdict})")


def best_predictor_summary(metrics: pd.DataFrame) -> str:
    """Markdown: one sentence per domain naming the best ranking predictor, the fusion model's place, and
    the pooled R2 of the fusion model next to the domain-mean baseline."""
    split = "cv" if (metrics["split"] == "cv").any() else "test"
    rows = metrics[(metrics["split"] == split) & ~metrics["predictor"].isin(NOT_RANKING)]
    model = str(metrics["model"].iloc[0]) if len(metrics) else "?"
    n_rep = rows["n_repeats"].dropna() if "n_repeats" in rows.columns else pd.Series(dtype=float)
    how = (f"cross-validation ({int(n_rep.max())} repeat(s) of grouped folds; mean +- SD over repeats)"
           if split == "cv" and len(n_rep) else f"the {split} split")
    lines = [f"# Which predictor ranks best within each domain: model `{model}`", "",
             f"Binder AUROC within each domain on {how}; Spearman with -log10 Kd in brackets.", ""]
    domains = [d for d in rows["domain"].unique() if d != "all"]
    for domain in domains:
        d = rows[(rows["domain"] == domain) & rows["auroc"].notna()].sort_values("auroc", ascending=False)
        if d.empty:
            lines.append(f"- **{domain}**: no AUROC (one class only among the labelled pairs).")
            continue
        best = d.iloc[0]
        fusion = d[d["predictor"] == "fusion"]
        sentence = (f"- **{domain}**: `{best.predictor}` ranks best (AUROC "
                    f"{_fmt(best.auroc, best.get('auroc_sd'))}, Spearman {_fmt(best.spearman)})")
        if len(fusion) and best.predictor != "fusion":
            f = fusion.iloc[0]
            place = int((d["auroc"] > f.auroc).sum()) + 1
            sentence += (f"; the fusion model is #{place} of {len(d)} (AUROC {_fmt(f.auroc, f.get('auroc_sd'))}, "
                         f"Spearman {_fmt(f.spearman)}){_versus(best)}")
        elif best.predictor == "fusion" and len(d) > 1:
            second = d.iloc[1]
            sentence += (f", ahead of `{second.predictor}` (AUROC {_fmt(second.auroc, second.get('auroc_sd'))})"
                         f"{_versus(second)}")
        lines.append(sentence + ".")
    per_domain = rows[rows["domain"].isin(domains)].groupby("predictor")["auroc"]
    mean = per_domain.mean().dropna().sort_values(ascending=False)
    count = per_domain.count()
    if len(mean):
        lines += ["", "Mean within-domain AUROC over the domains: " + ", ".join(
            f"`{p}` {v:.3f}" + (f" ({count[p]} of {len(domains)} domains)" if count[p] < len(domains) else "")
            for p, v in mean.items()) + "."]
    pooled = metrics[(metrics["split"] == split) & (metrics["domain"] == "all")].set_index("predictor")
    if "fusion" in pooled.index and "domain_mean" in pooled.index:
        lines += ["", f"Pooled R2 over all domains: fusion {_fmt(pooled.loc['fusion', 'r2'])} vs the per-domain "
                  f"mean {_fmt(pooled.loc['domain_mean', 'r2'])} (R2 above the domain mean is what the model "
                  "learns beyond which domain binds more on average)."]
    return "\n".join(lines) + "\n"


__all__ = ["best_predictor_summary"]
