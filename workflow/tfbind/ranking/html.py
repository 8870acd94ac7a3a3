"""The report's "Ranked candidates" page: the run summary and one interactive table per domain.

Tables are DataTables rendered by itables in offline mode: the DataTables bundle is embedded in the page
(base64), so sorting, searching and paging work without a network (no CDN).
"""

from __future__ import annotations

import html

import pandas as pd

from .calls import THRESHOLDS

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1em 2em; }
pre.summary { background: #f4f6f8; padding: .8em 1em; border-radius: 6px; }
table.dataTable td, table.dataTable th { font-size: 12px; white-space: nowrap; }
h2 { margin-top: 1.6em; }
"""


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Rounded for display (the TSV / workbook keep full precision); the long path columns last."""
    out = table.drop(columns=["domain_id", "consensus_metrics"], errors="ignore").copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(0 if col in ("lia", "kd_pred_nm", "kd_pred_low_nm", "kd_pred_high_nm") else 3)
    return out


def ranking_page(per_domain: dict[str, pd.DataFrame], summary: list[str], title: str = "Ranked candidates",
                 totals: dict[str, int] | None = None) -> str:
    """The page; ``per_domain`` the rows to show (the best of each domain), ``totals`` how many each domain
    ranked (when more than shown, the page says how many are left out and where they are)."""
    from itables import to_html_datatable
    from itables.javascript import generate_init_offline_itables_html
    from itables import options

    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style>", generate_init_offline_itables_html(options.dt_bundle), "</head><body>",
             f"<h1>{html.escape(title)}</h1>",
             "<pre class='summary'>" + html.escape("\n".join(summary)) + "</pre>",
             "<p>One table per domain, best candidate first (<b>rank</b> by <b>consensus</b>: the mean of the "
             "pair's within-domain rank percentiles over the confidence metrics present; 1 = best in the "
             "domain). Click a column to sort, type in the search box to filter. Calls:</p><ul>"]
    parts += [f"<li><code>{html.escape(k)}</code>: {html.escape(v)}</li>" for k, v in THRESHOLDS.items()]
    parts.append("</ul>")
    for domain, rows in per_domain.items():
        used = rows["consensus_metrics"].iloc[0] if len(rows) else "none"
        total = (totals or {}).get(domain, len(rows))
        count = (f"{len(rows)} candidates" if total == len(rows) else
                 f"the best {len(rows)} of {total} candidates ({total - len(rows)} left out of this page; all in "
                 f"results/ranking/{domain}.tsv and ranking.parquet)")
        parts.append(f"<h2>{html.escape(str(domain))}</h2><p>{html.escape(count)}; consensus of: "
                     f"{html.escape(str(used))}</p>")
        parts.append(to_html_datatable(_display(rows), connected=False, display_logo_when_loading=False,
                                       pageLength=25, lengthMenu=[10, 25, 100, 1000], order=[],
                                       classes="display compact", maxBytes=0, showIndex=False))
    parts.append("</body></html>")
    return "\n".join(parts)


__all__ = ["ranking_page"]
