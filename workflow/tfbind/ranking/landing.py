"""The report's landing text: the run's domains, which scorer ranked each, the best tiles of each, what ran.

Written as one line of HTML (every value escaped) between :data:`LANDING_START` and :data:`LANDING_END` at the
top of the ranking page (``ranked_candidates.html``, the report's first category). The report's opening text
(``workflow/report/workflow.rst``) copies it from there, so the report opens on this run's answer: Snakemake
renders that text with Jinja2 from the config alone, and the domains, scorers and best tiles are known only
once the run has ranked the pairs.
"""

from __future__ import annotations

import html

import pandas as pd

LANDING_START = "<!-- tfbind-landing -->"
LANDING_END = "<!-- /tfbind-landing -->"
#: Best tiles per domain named on the landing text.
LANDING_TOP = 3

#: How the landing text names the model of each kind (tfbind.model.pretrained.MODEL_KINDS).
MODEL_NAMES = {
    "trained": "the model trained in this run",
    "model_file": "the model of predict.model_file",
    "pretrained": "the pretrained model shipped with tfbind",
}


def _text(value) -> str:
    """Escaped for HTML, on one line: the report's raw HTML block is one indented line, and a line break in a
    tile ID would end it."""
    return html.escape(" ".join(str(value).split()), quote=True)


def _scorer(rows: pd.DataFrame, model_kind: str) -> str:
    if not len(rows):
        return "no candidates"
    if rows["scored_by"].iloc[0] == "model":
        return MODEL_NAMES.get(model_kind, "the model")
    used = rows["consensus_metrics"].iloc[0]
    return f"the consensus of {used}" if used else "the consensus (no confidence metric present)"


def _top(rows: pd.DataFrame, top: int) -> str:
    best = rows.head(top)
    return ", ".join(f"{t} ({s:.2f})" if pd.notna(s) else f"{t} (no score)"
                     for t, s in zip(best["tf_id"], best["score"])) or "none"


def landing_html(per_domain: dict[str, pd.DataFrame], model_kind: str, model_note: str, trained: bool,
                 top: int = LANDING_TOP) -> str:
    """The landing text (HTML, one line, no markers). ``per_domain``: each domain's ranking, best first
    (:func:`tfbind.ranking.table.write_ranking`); ``model_kind``: where the ranking's model comes from (``""``:
    no model); ``model_note``: its note (file); ``trained``: whether this run trained a model (labels)."""
    names = ", ".join(str(d) for d in per_domain) or "none"
    parts = [f"<p><b>This run ranked {len(per_domain)} domain{'s' if len(per_domain) != 1 else ''}:</b> "
             f"{_text(names)}.</p>"]
    if model_kind:
        # the pretrained model's note lists the categories it was trained on, which need not be this run's
        where = "predict.pretrained" if model_kind == "pretrained" else model_note
        # the run's own model's note starts "trained in this run (...)": only the file, not the words twice
        where = where.removeprefix("trained in this run (").removesuffix(")") if model_kind == "trained" else where
        parts.append(f"<p>Model: {_text(MODEL_NAMES.get(model_kind, 'a model'))} ({_text(where)}). The table "
                     "says which domains it ranked (rank.order_by); the consensus of the AlphaFold confidence "
                     "metrics ranks the others.</p>")
    else:
        parts.append("<p>No model: the consensus of the AlphaFold confidence metrics ranks every domain (no "
                     "labels, no predict.model_file, no pretrained model for these domain categories).</p>")
    parts.append(f"<p>Best {top} tiles per domain (score: p_binder where a model ranks, else the consensus; "
                 "1 = best):</p>")
    parts.append("<table><thead><tr><th>domain</th><th>ranked by</th><th>best tiles (score)</th></tr></thead>"
                 "<tbody>")
    for domain, rows in per_domain.items():
        parts.append(f"<tr><td>{_text(domain)}</td><td>{_text(_scorer(rows, model_kind))}</td>"
                     f"<td>{_text(_top(rows, top))}</td></tr>")
    parts.append("</tbody></table>")
    parts.append("<p>Training: " + ("a model was trained in this run on the labels; its cross-validation and "
                                    "evaluation are in the report's model categories.</p>" if trained else
                                    "none in this run (no labels).</p>"))
    return "<div class='tfbind-landing'>" + "".join(parts) + "</div>"


__all__ = ["LANDING_END", "LANDING_START", "LANDING_TOP", "MODEL_NAMES", "landing_html"]
