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
}
IDS = {dr.AP: ("A0A075B6L2", "TEST"), dr.CF: ("5b8c_C", "5b8c_B"), dr.AF3: ("5b8c_C", "5b8c_B")}
GOOD = {"ap": dr.AP, "cf": dr.CF, "af3": dr.AF3}


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
    rows.append(rows.pop(0))  # a good pair last too: the shard goes on after the damaged ones
    pd.DataFrame(rows, columns=["pair_id", "tf_id", "domain_id", "prediction"]).to_csv(
        work / "pairs.tsv", sep="\t", index=False)
    config = {"tf_fasta": "tf.fasta", "domain_fasta": "domains.fasta", "pairs": "pairs.tsv",
              "features": {"shard_size": 100, "sasa": False, "pair_timeout_s": 3, "max_input_mb": 64}}
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    start = time.monotonic()
    proc = run_snakemake("features", workdir=work, configfile=work / "config.yaml")
    elapsed = time.monotonic() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work, reasons, elapsed


def test_good_pairs_scored_with_the_predictors_values(hostile_run):
    work, _, _ = hostile_run
    pairs = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id")
    assert sorted(pairs.index) == ["af3", "ap", "cf"]
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
    for pair_id in [*GOOD, *DAMAGED]:
        assert re.search(rf"pair \d+/\d+ {pair_id}: reading ", log), pair_id
