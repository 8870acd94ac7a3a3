"""The report's "Ranked candidates" page: the landing text, the run summary and one sortable table per domain.

Plain HTML tables and a few lines of JavaScript (:data:`SORT_SCRIPT`, no library, no network): a click on a
column's header cell (or Enter on it) sorts by that column, best first on the first click (descending for
scores, ascending for ``rank``, Kd and PAE-like columns and for text), the other way on the next; the header
shows the order (up / down arrow); empty cells stay last; a filter box per table hides the rows that do not hold
the typed text.
"""

from __future__ import annotations

import html

import pandas as pd

from .calls import THRESHOLDS
from .landing import LANDING_END, LANDING_START

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1em 2em; }
pre.summary { background: #f4f6f8; padding: .8em 1em; border-radius: 6px; }
.tfbind-landing table, table.rank { border-collapse: collapse; }
.tfbind-landing td, .tfbind-landing th { border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }
div.scroll { max-height: 80vh; overflow: auto; border: 1px solid #ddd; }
table.rank td, table.rank th { font-size: 12px; white-space: nowrap; padding: 2px 6px; }
table.rank td { border-bottom: 1px solid #eee; }
table.rank th { position: sticky; top: 0; background: #eef1f4; cursor: pointer; user-select: none;
  text-align: left; }
table.rank th:hover { background: #dde3ea; }
table.rank th::after { content: " \\21C5"; color: #9aa; }
table.rank th[aria-sort=ascending]::after { content: " \\25B2"; color: #124; }
table.rank th[aria-sort=descending]::after { content: " \\25BC"; color: #124; }
table.rank td.num { text-align: right; font-variant-numeric: tabular-nums; }
h2 { margin-top: 1.6em; }
"""

#: Sorting and filtering of every ``table.rank`` (header ``data-type``: num or text; ``data-first``: the order
#: of the first click; rows carry ``data-i``, their rank order, which breaks ties).
SORT_SCRIPT = """
(function () {
  "use strict";
  function value(row, col, numeric) {
    var text = row.cells[col].textContent.trim();
    if (!numeric) { return text === "" ? null : text.toLowerCase(); }
    var x = text === "" ? NaN : Number(text);
    return isNaN(x) ? null : x;
  }
  function compare(a, b, dir) {  // empty cells last in either order
    if (a === null || b === null) { return a === b ? 0 : (a === null ? 1 : -1); }
    return a < b ? -dir : (a > b ? dir : 0);
  }
  function sortBy(table, th) {
    var col = th.cellIndex, numeric = th.getAttribute("data-type") === "num";
    var now = th.getAttribute("aria-sort");
    var next = (now === "ascending" || now === "descending")
      ? (now === "ascending" ? "descending" : "ascending") : th.getAttribute("data-first");
    var dir = next === "ascending" ? 1 : -1;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      return compare(value(a, col, numeric), value(b, col, numeric), dir)
        || (Number(a.getAttribute("data-i")) - Number(b.getAttribute("data-i")));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", next);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.rank"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      th.addEventListener("click", function () { sortBy(table, th); });
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { sortBy(table, th); } });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.rank-filter"), function (box) {
    box.addEventListener("input", function () {
      var table = document.getElementById(box.getAttribute("data-table"));
      var query = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        row.style.display = (query === "" || row.textContent.toLowerCase().indexOf(query) >= 0) ? "" : "none";
      });
    });
  });
})();
"""

#: Numeric columns where smaller is better: the first click sorts them ascending (every other numeric column,
#: a score, descending).
ASCENDING_FIRST = ("rank", "kd_nm", "kd_pred_nm", "kd_pred_low_nm", "kd_pred_high_nm")


def first_order(column: str, numeric: bool) -> str:
    """The order of a column's first click: ``ascending`` for text, ranks, Kd and PAE, else ``descending``."""
    if not numeric or column in ASCENDING_FIRST or column.startswith("kd_") or "pae" in column:
        return "ascending"
    return "descending"


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Rounded for display (the TSV / workbook keep full precision); the long path columns last."""
    out = table.drop(columns=["domain_id", "consensus_metrics"], errors="ignore").copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(0 if col in ("lia", "kd_pred_nm", "kd_pred_low_nm", "kd_pred_high_nm") else 3)
    return out


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return html.escape(str(value))


def sortable_table(rows: pd.DataFrame, table_id: str) -> str:
    """One domain's rows as a ``table.rank`` (:data:`SORT_SCRIPT`), in their rank order."""
    shown = _display(rows)
    numeric = {c: pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c])
               for c in shown.columns}
    head = "".join(
        f"<th tabindex='0' data-type='{'num' if numeric[c] else 'text'}' data-first='{first_order(c, numeric[c])}'"
        f" aria-sort='{'ascending' if c == 'rank' else 'none'}' title='sort by {html.escape(str(c))}'>"
        f"{html.escape(str(c))}</th>" for c in shown.columns)
    body = []
    for i, values in enumerate(shown.itertuples(index=False, name=None)):
        cells = "".join(f"<td class='num'>{_cell(v)}</td>" if numeric[c] else f"<td>{_cell(v)}</td>"
                        for c, v in zip(shown.columns, values))
        body.append(f"<tr data-i='{i}'>{cells}</tr>")
    return (f"<p><input class='rank-filter' data-table='{table_id}' type='search' placeholder='filter rows'></p>"
            f"<div class='scroll'><table class='rank' id='{table_id}'><thead><tr>{head}</tr></thead><tbody>"
            + "\n".join(body) + "</tbody></table></div>")


def ranking_page(per_domain: dict[str, pd.DataFrame], summary: list[str], title: str = "Ranked candidates",
                 totals: dict[str, int] | None = None, landing: str = "") -> str:
    """The page; ``per_domain`` the rows to show (the best of each domain), ``totals`` how many each domain
    ranked (when more than shown, the page says how many are left out and where they are); ``landing``: the
    landing text (:func:`tfbind.ranking.landing.landing_html`), put first between its markers."""
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style></head><body>", f"<h1>{html.escape(title)}</h1>",
             f"{LANDING_START}{landing}{LANDING_END}",
             "<pre class='summary'>" + html.escape("\n".join(summary)) + "</pre>",
             "<p>One table per domain, best candidate first: <b>rank</b> follows the scorer that ranked the domain "
             "(<b>scored_by</b>: the model's predicted pKd, or the <b>consensus</b>, the mean of the pair's "
             "within-domain rank percentiles over the confidence metrics present; 1 = best in the domain). "
             "Click a column's header to sort by it (best first: scores from the highest, rank and Kd from the "
             "lowest; click again to reverse); type in the box above a table to filter its rows. Calls:</p><ul>"]
    parts += [f"<li><code>{html.escape(k)}</code>: {html.escape(v)}</li>" for k, v in THRESHOLDS.items()]
    parts.append("</ul>")
    for n, (domain, rows) in enumerate(per_domain.items()):
        used = rows["consensus_metrics"].iloc[0] if len(rows) else "none"
        total = (totals or {}).get(domain, len(rows))
        count = (f"{len(rows)} candidates" if total == len(rows) else
                 f"the best {len(rows)} of {total} candidates ({total - len(rows)} left out of this page; all in "
                 f"results/ranking/{domain}.tsv and ranking.parquet)")
        parts.append(f"<h2>{html.escape(str(domain))}</h2><p>{html.escape(count)}; consensus of: "
                     f"{html.escape(str(used))}</p>")
        parts.append(sortable_table(rows, f"rank-{n}"))
    parts.append(f"<script>{SORT_SCRIPT}</script></body></html>")
    return "\n".join(parts)


__all__ = ["ASCENDING_FIRST", "SORT_SCRIPT", "first_order", "ranking_page", "sortable_table"]
