"""Snakemake-level: one extraction shard mixing the three real fixture runs with damaged copies of them.

The good pairs are scored (values checked against the predictors' own files), every damaged pair is one
failed.tsv row with a precise reason, the hanging pair ends at the time limit, and the run finishes.
"""

import json
import re
import time

import pandas as pd
import pytest
import yaml

import damaged_runs as dr
from helpers import FIXTURES, run_snakemake, shared_fixtures

pytestmark = pytest.mark.slow

DAMAGED = {
    "cf_pae_nan": (dr.CF, lambda d: dr.cf_pae_value(d, float("nan"), "nan")),
    "cf_pae_negative": (dr.CF, lambda d: dr.cf_pae_value(d, -1.0, "-1.0")),
    "cf_pae_true": (dr.CF, dr.cf_pae_true),
    "cf_iptm": (dr.CF, lambda d: dr.cf_iptm(d, 7.5)),
    "cf_plddt_unit": (dr.CF, dr.cf_plddt_unit_scale),
    "ap_plddt_150": (dr.AP, lambda d: dr.ap_plddt(d, 150.0)),
    "ap_repeat": (dr.AP, dr.ap_repeated_numbering),
    "ap_pickle_object": (dr.AP, dr.ap_pickle_object_array),
    "ap_pickle_rows": (dr.AP, dr.ap_pickle_repeated_rows),
    "ap_bomb": (dr.AP, lambda d: dr.ap_json_bomb(d, expanded_mib=128)),
    "ap_slow": (dr.AP, dr.ap_slow_pickle),
    "ap_fifo": (dr.AP, dr.ap_fifo),
    "af3_pair_iptm": (dr.AF3, lambda d: dr.af3_chain_pair_iptm(d, 1.7)),
    "ap_order_outside": (dr.AP, dr.ap_order_outside),
    "ap_pae_link_outside": (dr.AP, dr.ap_pae_link_outside),
    "ap_pdb_overflow": (dr.AP, lambda d: dr.pdb_overflow(d, "ranked_1.pdb", atom_index=40, field="y")),
}
IDS = {dr.AP: ("A0A075B6L2", "TEST"), dr.CF: ("5b8c_C", "5b8c_B"), dr.AF3: ("5b8c_C", "5b8c_B")}
GOOD = {"ap": dr.AP, "cf": dr.CF, "af3": dr.AF3}
# A good run in a folder named like a spreadsheet formula, given by a relative path in the pairs table (the
# issue's case: its top_model cell was a live formula in ranking.xlsx).
FORMULA_FOLDER = "=2+3"


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    shared_fixtures()
    work = tmp_path_factory.mktemp("hostile")
    ap = dr.chain_sequences(FIXTURES / dr.AP / "ranked_0.pdb")
    cf = dr.chain_sequences(next((FIXTURES / dr.CF).glob("*.pdb")))
    (work / "tf.fasta").write_text(f">A0A075B6L2\n{ap['C']}\n>5b8c_C\n{cf['C']}\n")
    (work / "domains.fasta").write_text(f">TEST category=BAIT\n{ap['B']}\n>5b8c_B category=FAB\n{cf['B']}\n")
    rows, reasons = [], {}
    for pair_id, source in GOOD.items():
        rows.append((pair_id, *IDS[source], str(FIXTURES / source)))
    for pair_id, (source, build) in DAMAGED.items():
        run, reasons[pair_id] = build(work / "runs" / pair_id)
        rows.append((pair_id, *IDS[source], str(run)))
    dr.copy_run(dr.AP, work / FORMULA_FOLDER)
    rows.append(("formula", *IDS[dr.AP], FORMULA_FOLDER))
    rows.append(rows.pop(0))  # a good pair last too: the shard goes on after the damaged ones
    pd.DataFrame(rows, columns=["pair_id", "tf_id", "domain_id", "prediction"]).to_csv(
        work / "pairs.tsv", sep="\t", index=False)
    config = {"tf_fasta": "tf.fasta", "domain_fasta": "domains.fasta", "pairs": "pairs.tsv",
              "features": {"shard_size": 100, "sasa": False, "pair_timeout_s": 3, "max_input_mb": 64}}
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    start = time.monotonic()
    # the features and the ranking tables (its plots are not needed here)
    proc = run_snakemake("features", "results/ranking/ranking.xlsx", workdir=work, configfile=work / "config.yaml")
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work, reasons, elapsed


def test_good_pairs_scored_with_the_predictors_values(hostile_run):
    work, _, _ = hostile_run
    pairs = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id")
    assert sorted(pairs.index) == ["af3", "ap", "cf", "formula"]
    debug = json.loads((FIXTURES / dr.AP / "ranking_debug.json").read_text())
    assert pairs.at["ap", "iptm"] == pytest.approx(debug["iptm"][debug["order"][0]])
    scores = json.loads(next((FIXTURES / dr.CF).glob("*_scores_*.json")).read_text())
    assert pairs.at["cf", "iptm"] == pytest.approx(scores["iptm"])
    summary = json.loads((FIXTURES / dr.AF3 / "fold_5b8c_summary_confidences_0.json").read_text())
    assert pairs.at["af3", "iptm"] == pytest.approx(summary["iptm"])


def test_each_damaged_pair_is_one_precise_failed_row(hostile_run):
    work, reasons, _ = hostile_run
    failed = pd.read_csv(work / "results/features/failed.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert sorted(failed["pair_id"]) == sorted(DAMAGED)
    for row in failed.itertuples():
        assert re.search(reasons[row.pair_id], row.reason), (row.pair_id, row.reason)
    stages = dict(zip(failed["pair_id"], failed["stage"]))
    assert stages["ap_slow"] == "timeout"
    assert len((work / "results/features/failed.tsv").read_text().splitlines()) == 1 + len(DAMAGED)


def test_no_hang_and_the_log_names_every_pair(hostile_run):
    work, _, elapsed = hostile_run
    assert elapsed < 300
    log = (work / "results/logs/features/shard_00000.log").read_text()
    for pair_id in [*GOOD, *DAMAGED, "formula"]:
        assert re.search(rf"pair \d+/\d+ {pair_id}: reading ", log), pair_id


def test_nothing_outside_a_run_was_scored(hostile_run):
    """The planted PAE beside ap_order_outside (1.0 everywhere) would give the pair a LIS near 1; the pair
    failed instead (test_each_damaged_pair_is_one_precise_failed_row), and no table holds it."""
    work, _, _ = hostile_run
    assert (work / "runs" / "elsewhere" / "model_x.json").is_file()  # planted, and never read into a row
    pairs = pd.read_parquet(work / "results/features/pairs.parquet")
    assert "ap_order_outside" not in set(pairs["pair_id"])


def test_formula_like_run_folder_is_text_in_the_ranking_tables_and_workbook(hostile_run):
    import openpyxl

    work, _, _ = hostile_run
    top_model = f"{FORMULA_FOLDER}/ranked_0.pdb"  # the run's top model, by AlphaFold's file names
    domain = IDS[dr.AP][1]
    lines = (work / f"results/ranking/{domain}.tsv").read_text().splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:]]
    formula = next(r for r in rows if r["pair_id"] == "formula")
    assert formula["top_model"] == "'" + top_model
    book = openpyxl.load_workbook(work / "results/ranking/ranking.xlsx")
    assert "f" not in {cell.data_type for sheet in book for row in sheet.iter_rows() for cell in row}
    sheet = book[domain]
    names = [c.value for c in sheet[1]]
    cells = {row[names.index("pair_id")].value: row[names.index("top_model")] for row in sheet.iter_rows(min_row=2)}
    assert cells["formula"].value == "'" + top_model and cells["formula"].data_type == "s"
    score = next(row[names.index("consensus")] for row in sheet.iter_rows(min_row=2)
                 if row[names.index("pair_id")].value == "formula")
    assert score.data_type == "n" and score.value == pytest.approx(float(formula["consensus"]))


# --- start-up refusals of config values (issue 20: report injection, model scopes) -------------------------


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """A reduced demo working directory (not run): its config is edited per test."""
    from helpers import write_demo_config

    work = tmp_path_factory.mktemp("hostile_config")
    write_demo_config(work, pairs_per_domain=1)
    config = yaml.safe_load((work / "config.yaml").read_text())
    config.pop("labels")
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    return work, config


def _with(work, config, **updates):
    edited = {**config, **updates}
    (work / "config.yaml").write_text(yaml.safe_dump(edited))
    return edited


def test_config_path_with_a_line_break_is_refused_before_the_report(demo_dir):
    """A TF FASTA name holding a blank line and a raw HTML directive would end the report's literal and put
    a script into report.html: refused at start-up, naming the key, and no report is written."""
    from helpers import run_in

    work, config = demo_dir
    value = "tf.fasta\n\n.. raw:: html\n\n   <script>alert(1)</script>\n"
    _with(work, config, tf_fasta=value)
    proc = run_in(work, "--report", "report.html", "features")
    assert proc.returncode != 0
    assert (r"config error: config tf_fasta: 'tf.fasta\n\n.. raw:: html\n\n   <script>alert(1)</script>\n' holds a "
            "control character") in proc.stderr
    assert not (work / "report.html").exists()


def test_config_path_with_markup_is_shown_literally_in_the_report(demo_dir):
    """Without a line break, nothing in a path is read as markup: the TF FASTA's name, with backquotes, an
    HTML tag and a reStructuredText link, is shown as text in the report (HTML-escaped) and creates no
    element."""
    import shutil

    from helpers import DEMO, run_in

    work, config = demo_dir
    name = "x`` <img src=x onerror=alert(1)> `y <javascript:alert(1)>`_.fasta"
    shutil.copyfile(DEMO / "tf.fasta", work / name)
    _with(work, config, tf_fasta=name)
    proc = run_in(work, "--report", "report.html", "features")  # features: no output marked for the report
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = (work / "report.html").read_text()
    shown = "x`` &lt;img src=x onerror=alert(1)&gt; `y &lt;javascript:alert(1)&gt;`_.fasta"
    assert f"TF tiles: {shown}" in html
    assert "<img src=x" not in html and "javascript:alert(1)\\\"" not in html  # no tag, no link target


@pytest.mark.parametrize("key, value, message", [
    ("predict", {"model": "../x"}, "config predict.model: model scope '../x' is not a valid identifier"),
    ("models", ["all", ".."], "config models: model scope '..' is not a valid identifier"),
    ("predict", {"pretrained": ".."}, "config predict.pretrained: pretrained model name '..' is not a valid"),
])
def test_model_scope_outside_the_working_directory_is_refused(demo_dir, key, value, message):
    from helpers import run_in

    work, config = demo_dir
    _with(work, config, **{key: value})
    proc = run_in(work, "-n", "features")
    output = proc.stdout + proc.stderr  # a dry run prints its errors to stdout
    assert proc.returncode != 0 and f"config error: {message}" in output, output[-2000:]
