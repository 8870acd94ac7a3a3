"""The report's landing text (tfbind.ranking.landing) and the ranking page's sortable tables
(tfbind.ranking.html): what the landing says for each kind of scorer, the header cells that sort, and the sort
script run in node against a small stand-in for the browser's DOM built from the real page."""

import json
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from tfbind.ranking.html import SORT_SCRIPT, first_order, ranking_page
from tfbind.ranking.landing import LANDING_END, LANDING_START, landing_html


def _ranking(domain, tiles, scores, scored_by="consensus", metrics="ipsae_min, iptm"):
    return pd.DataFrame({"rank": range(1, len(tiles) + 1), "tf_id": tiles, "domain_id": domain,
                         "domain_category": domain, "score": scores, "scored_by": scored_by,
                         "consensus_metrics": metrics})


def test_landing_names_domains_scorers_and_best_tiles():
    per_domain = {"MED25": _ranking("MED25", ["a", "b", "c", "d"], [0.9, 0.456, 0.3, 0.1]),
                  "CBP_KIX": _ranking("CBP_KIX", ["<x>", "y"], [0.8, np.nan], scored_by="model"),
                  "EMPTY": _ranking("EMPTY", [], [])}
    text = landing_html(per_domain, "pretrained", "pretrained ep300 model (m.pt; trained on KIX, NCBD, TAZ1, "
                        "TAZ2; predict.pretrained)", trained=False)
    assert "\n" not in text and LANDING_START not in text
    assert "This run ranked 3 domains:</b> MED25, CBP_KIX, EMPTY." in text
    assert ("<tr><td>MED25</td><td>the consensus of ipsae_min, iptm</td><td>a (0.90), b (0.46), c (0.30)</td>"
            "</tr>") in text  # the best 3, scores to 2 decimals
    assert ("<tr><td>CBP_KIX</td><td>the pretrained model shipped with tfbind</td><td>&lt;x&gt; (0.80), y (no "
            "score)</td></tr>") in text
    assert "<tr><td>EMPTY</td><td>no candidates</td><td>none</td></tr>" in text
    assert "Training: none in this run (no labels)." in text
    # the pretrained model's note names the categories it was trained on, not this run's: left out
    assert "NCBD" not in text and "TAZ1" not in text
    trained = landing_html(per_domain, "trained", "trained in this run (results/models/all/model.pt)", True)
    assert "Model: the model trained in this run (results/models/all/model.pt)" in trained
    assert "a model was trained in this run on the labels" in trained
    none = landing_html({"MED25": per_domain["MED25"]}, "", "none", trained=False)
    assert "This run ranked 1 domain:</b> MED25." in none
    assert "No model: the consensus of the AlphaFold confidence metrics ranks every domain" in none


def test_first_click_order_is_best_first():
    assert first_order("score", True) == first_order("p_binder", True) == first_order("iptm", True) == "descending"
    assert first_order("rank", True) == first_order("kd_pred_nm", True) == first_order("kd_nm", True) == "ascending"
    assert first_order("pae_min", True) == "ascending"  # a PAE: lower is better
    assert first_order("tf_id", False) == first_order("score", False) == "ascending"


class _Tables(HTMLParser):
    """The page's ``table.rank`` tables: header cells (attributes, text) and rows (data-i, cell texts)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._text = [], None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("class") == "rank":
            self.tables.append({"id": attrs["id"], "head": [], "rows": []})
        elif self.tables and tag == "tr" and "data-i" in attrs:
            self.tables[-1]["rows"].append({"i": attrs["data-i"], "cells": []})
        elif self.tables and tag in ("th", "td"):
            self._cell, self._text = (tag, attrs), []

    def handle_data(self, data):
        if self._cell:
            self._text.append(data)

    def handle_endtag(self, tag):
        if self._cell and tag == self._cell[0]:
            text, attrs = "".join(self._text), self._cell[1]
            if tag == "th":
                self.tables[-1]["head"].append({"text": text, "attrs": attrs})
            else:
                self.tables[-1]["rows"][-1]["cells"].append(text)
            self._cell = None


def _page():
    rows = pd.DataFrame({"rank": [1, 2, 3, 4], "tf_id": ["b", "a", "d", "c"], "domain_id": "KIX",
                         "domain_category": "KIX", "score": [0.9, 0.7, np.nan, 0.8],
                         "scored_by": "consensus", "kd_pred_nm": [50.0, 10.0, 300.0, np.nan],
                         "consensus_metrics": "iptm"})
    return ranking_page({"KIX": rows}, ["tfbind run summary"], landing="<p>hello</p>")


def test_header_cells_carry_the_sort_and_the_page_is_offline():
    page = _page()
    assert f"{LANDING_START}<p>hello</p>{LANDING_END}" in page
    (table,) = _parse(page)
    head = {h["text"]: h["attrs"] for h in table["head"]}
    assert list(head) == ["rank", "tf_id", "domain_category", "score", "scored_by", "kd_pred_nm"]
    assert head["score"]["data-first"] == "descending" and head["score"]["data-type"] == "num"
    assert head["rank"]["data-first"] == head["kd_pred_nm"]["data-first"] == "ascending"
    assert head["tf_id"]["data-type"] == "text"
    assert head["rank"]["aria-sort"] == "ascending" and head["score"]["aria-sort"] == "none"  # rank order
    assert all(h["tabindex"] == "0" for h in head.values())  # keyboard: Enter sorts too
    # the whole header cell listens (not an icon inside it), and the arrow is drawn from aria-sort
    assert 'th.addEventListener("click"' in SORT_SCRIPT
    assert "th[aria-sort=descending]::after" in page and "th[aria-sort=ascending]::after" in page
    assert "<script src" not in page and "<link" not in page and "http" not in page


def _parse(page):
    parser = _Tables()
    parser.feed(page)
    return parser.tables


# A stand-in for the DOM calls SORT_SCRIPT makes, built from the parsed table; clicks on header cells by name
# and prints the tf_id column (and each header's aria-sort) after each click.
_HARNESS = r"""
const spec = JSON.parse(process.argv[2]);
const clicks = JSON.parse(process.argv[3]);
function el(attrs) {
  const a = Object.assign({}, attrs), handlers = {};
  return { getAttribute: (k) => (k in a ? a[k] : null), setAttribute: (k, v) => { a[k] = String(v); },
           addEventListener: (t, f) => { handlers[t] = f; }, fire: (t, ev) => handlers[t](ev || {}), style: {} };
}
const rows = spec.rows.map((r) => Object.assign(el({"data-i": r.i}), {
  cells: r.cells.map((t) => ({ textContent: t })), textContent: r.cells.join(" ") }));
const body = { rows: rows.slice(), appendChild(row) {
  this.rows.splice(this.rows.indexOf(row), 1); this.rows.push(row); } };
const ths = spec.head.map((h, k) => Object.assign(el(h.attrs), { cellIndex: k, text: h.text }));
const table = { tHead: { rows: [{ cells: ths }] }, tBodies: [body] };
const box = Object.assign(el({"data-table": spec.id}), { value: "" });
global.document = {
  querySelectorAll: (sel) => (sel === "table.rank" ? [table] : sel === "input.rank-filter" ? [box] : []),
  getElementById: (id) => (id === spec.id ? table : null),
};
eval(spec.script);
const tf = ths.findIndex((h) => h.text === "tf_id");
const out = [];
for (const c of clicks) {
  if (c.startsWith("filter:")) { box.value = c.slice(7); box.fire("input"); }
  else if (c.startsWith("enter:")) { ths.find((h) => h.text === c.slice(6)).fire("keydown", { key: "Enter" }); }
  else { ths.find((h) => h.text === c).fire("click"); }
  out.push({ order: body.rows.map((r) => r.cells[tf].textContent),
             hidden: body.rows.filter((r) => r.style.display === "none").map((r) => r.cells[tf].textContent),
             sort: Object.fromEntries(ths.map((h) => [h.text, h.getAttribute("aria-sort")])) });
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed: the sort script is not run")
def test_sort_script_in_node(tmp_path):
    """Score: highest first on the first click, empty last, lowest first on the second; Kd: lowest first;
    rank back to the page's order; Enter on a header sorts; the filter hides rows without the text."""
    (table,) = _parse(_page())
    harness = tmp_path / "harness.js"
    harness.write_text(_HARNESS)
    spec = json.dumps({**table, "script": SORT_SCRIPT})
    clicks = ["score", "score", "kd_pred_nm", "rank", "enter:tf_id", "filter:A", "filter:"]
    proc = subprocess.run(["node", str(harness), spec, json.dumps(clicks)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    steps = json.loads(proc.stdout)
    # page rows: b 0.9 / 50 nM, a 0.7 / 10 nM, d (no score) / 300 nM, c 0.8 / (no Kd)
    assert steps[0]["order"] == ["b", "c", "a", "d"]
    assert steps[0]["sort"]["score"] == "descending" and steps[0]["sort"]["rank"] == "none"
    assert steps[1]["order"] == ["a", "c", "b", "d"] and steps[1]["sort"]["score"] == "ascending"
    assert steps[2]["order"] == ["a", "b", "d", "c"] and steps[2]["sort"]["kd_pred_nm"] == "ascending"
    assert steps[3]["order"] == ["b", "a", "d", "c"] and steps[3]["sort"]["rank"] == "ascending"
    assert steps[4]["order"] == ["a", "b", "c", "d"] and steps[4]["sort"]["tf_id"] == "ascending"
    assert steps[5]["hidden"] == ["b", "c", "d"]  # "A": only tile a's row (case-insensitive) holds it
    assert steps[6]["hidden"] == []


@pytest.fixture(scope="module")
def renamed_screen(tmp_path_factory):
    """A label-free run on the shared AlphaPulldown score table, its KIX rows under two domains named unlike
    the demo's: CBP_KIX (category KIX, which the shipped pretrained model knows) and MED25 (a category it does
    not know), then ``--report``. Returns (working directory, the CSV's rows)."""
    import csv

    import yaml

    from helpers import run_in, shared_fixtures

    src = shared_fixtures() / "alphapulldown_csv"
    work = tmp_path_factory.mktemp("renamed_screen")
    with open(src / "LIA_LIS_output.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    with open(work / "scores.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for domain in ("CBP_KIX", "MED25"):
            writer.writerows({**r, "jobs": r["jobs"].replace("KIX_and_", f"{domain}_and_")} for r in rows)
    kix = (src / "bait.fasta").read_text().split("\n", 1)[1].strip()
    (work / "domains.fasta").write_text(f">CBP_KIX category=KIX\n{kix}\n>MED25 category=MED25\n"
                                        "KKCQLHLRPCGRDFGQLSLQRCHQNNLC\n")
    (work / "config.yaml").write_text(yaml.safe_dump({"tf_fasta": str(src / "candidate.fasta"),
                                                      "domain_fasta": "domains.fasta",
                                                      "score_table": "scores.csv"}))
    proc = run_in(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = run_in(work, "--report", "report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    return work, [{k.strip(): v for k, v in r.items()} for r in rows]


@pytest.mark.slow
def test_report_opens_on_this_runs_domains_scorers_and_best_tiles(renamed_screen):
    from scipy.stats import rankdata

    from helpers import report_opening_text

    work, rows = renamed_screen
    text = report_opening_text(work / "report.html")
    assert "This run ranked 2 domains:</b> CBP_KIX, MED25." in text
    # MED25: no model knows the category, so the consensus of the score table's metrics ranks it; worked out
    # here from the CSV cells: the mean over iptm_ptm, mpDockQ/pDockQ and sc of rank / n among the tiles with a
    # value (an empty cell is left out of that tile's mean), best first, ties by tile name
    tiles = [r["jobs"].split("_and_", 1)[1] for r in rows]
    pct = np.full((len(rows), 3), np.nan)
    for j, column in enumerate(("iptm_ptm", "mpDockQ/pDockQ", "sc")):
        x = np.array([float(r[column]) if r[column].strip() else np.nan for r in rows])
        ok = np.isfinite(x)
        pct[ok, j] = rankdata(x[ok]) / ok.sum()
    consensus = dict(zip(tiles, np.nanmean(pct, axis=1)))
    best = sorted(tiles, key=lambda t: (-consensus[t], t))[:3]
    shown = ", ".join(f"{t} ({consensus[t]:.2f})" for t in best)
    assert (f"<tr><td>MED25</td><td>the consensus of ranking_confidence, pdockq, shape_complementarity</td>"
            f"<td>{shown}</td></tr>") in text
    # CBP_KIX: category KIX, so the shipped pretrained model ranks it (its p_binder values: test_ranking_workflow)
    ranked = pd.read_csv(work / "results/ranking/CBP_KIX.tsv", sep="\t")
    assert (ranked["scored_by"] == "model").all()
    shown = ", ".join(f"{t} ({s:.2f})" for t, s in zip(ranked["tf_id"][:3], ranked["score"][:3]))
    assert f"<tr><td>CBP_KIX</td><td>the pretrained model shipped with tfbind</td><td>{shown}</td></tr>" in text
    assert "Model: the pretrained model shipped with tfbind (predict.pretrained)" in text
    # only what ran: no training, and no domain of the EP300 demo that is not in this run
    assert "Training: none in this run (no labels)." in text
    assert "trained a fusion model" not in text and "cross-validation" not in text
    for other in ("NCBD", "TAZ1", "TAZ2", "EP300"):
        assert other not in text, other
    # the landing text is the top of the ranking page, the report's first category
    page = (work / "results/ranking/ranked_candidates.html").read_text()
    landing = page.split(LANDING_START)[1].split(LANDING_END)[0]
    assert landing in text and "tfbind run summary" in page


def test_rank_model_says_where_the_model_comes_from(tmp_path):
    """The kind the landing text names: predict.model_file first, then this run's model, then the shipped one
    for a run with a category it knows; none for a run whose categories it does not know."""
    from helpers import REPO
    from tfbind.model.pretrained import rank_model

    shipped = REPO / "resources/models"
    given = rank_model({"predict": {"model_file": str(tmp_path / "m.pt")}}, shipped, {"KIX"}, "results/models/all")
    assert given.kind == "model_file" and given.calibration is None  # no calibration.json beside it
    assert rank_model({"predict": {}}, shipped, {"KIX"}, "results/models/all").kind == "trained"
    assert rank_model({"predict": {}}, shipped, {"KIX", "MED25"}).kind == "pretrained"
    assert rank_model({"predict": {}}, shipped, {"MED25"}) is None
    assert rank_model({"predict": {"pretrained": "none"}}, shipped, {"KIX"}) is None
