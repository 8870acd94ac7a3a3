"""The features stage run by Snakemake, from another working directory, on the real fixture runs.

Three real runs (AlphaPulldown, ColabFold, AlphaFold3 server) plus one corrupt copy go through
``snakemake -s <checkout>/Snakefile -d <workdir> --configfile <workdir>/config.yaml features``; values
are checked against the predictor's own files and the ipsae.py reference tables.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from helpers import biopython_heavy_atoms, run_in, shared_fixtures

pytestmark = pytest.mark.slow

AP = "alphapulldown_TEST_and_A0A075B6L2"


def fasta(path: Path, records: dict[str, str]) -> str:
    path.write_text("".join(f">{k}\n{v}\n" for k, v in records.items()))
    return str(path)


def chain_sequences(pdb: Path) -> dict[str, str]:
    """Sequence of each chain from the CA records in file order, read from the PDB text by hand.

    (The AlphaPulldown test run repeats residue numbers inside chain C, so a reader that merges
    residues by number would get this wrong; PAE has one row per CA record.)
    """
    from Bio.PDB.Polypeptide import index_to_one, three_to_index

    seqs: dict[str, str] = {}
    for line in pdb.read_text().splitlines():
        if line.startswith("ATOM") and line[12:16].strip() == "CA":
            seqs[line[21]] = seqs.get(line[21], "") + index_to_one(three_to_index(line[17:20]))
    return seqs


def snakemake(workdir: Path, *args: str):
    return run_in(workdir, *args, outside=True)


@pytest.fixture(scope="module")
def features_run(tmp_path_factory):
    from helpers import FIXTURES

    shared_fixtures()
    work = tmp_path_factory.mktemp("work")
    ap_seqs = chain_sequences(FIXTURES / AP / "ranked_0.pdb")
    cf_seqs = chain_sequences(next((FIXTURES / "colabfold_5b8c").glob("*.pdb")))
    # 5b8c: score chain C (as the "TF") against chain B (the "domain"); chain A is an extra chain.
    fasta(work / "tf.fasta", {"A0A075B6L2": ap_seqs["C"], "5b8c_C": cf_seqs["C"]})
    fasta(work / "domains.fasta", {"TEST category=BAIT": ap_seqs["B"], "5b8c_B category=FAB": cf_seqs["B"]})
    corrupt = work / "runs" / "corrupt"
    shutil.copytree(FIXTURES / AP, corrupt)
    pae = corrupt / "pae_model_2_multimer_v3_pred_0.json"  # the top-ranked model's PAE
    pae.chmod(0o644)
    pae.write_text(pae.read_text()[:5000])  # truncated JSON
    (work / "pairs.tsv").write_text(
        "pair_id\ttf_id\tdomain_id\tprediction\tformat\n"
        f"ap\tA0A075B6L2\tTEST\t{FIXTURES / AP}\t\n"
        f"cf\t5b8c_C\t5b8c_B\t{FIXTURES / 'colabfold_5b8c'}\tcolabfold\n"
        f"af3\t5b8c_C\t5b8c_B\t{FIXTURES / 'af3_server_5b8c'}\t\n"
        "bad\tA0A075B6L2\tTEST\truns/corrupt\t\n"
    )
    config = {"tf_fasta": "tf.fasta", "domain_fasta": "domains.fasta", "pairs": "pairs.tsv",
              "features": {"shard_size": 2}}  # fmt: skip
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(work, "features")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work, proc


def ipsae_reference(path: Path) -> dict:
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    header = rows[0]
    return {(r[0], r[1]): dict(zip(header, r)) for r in rows[1:] if r[0] != "Chn1" and r[4] == "asym"}


def test_three_outputs_and_the_corrupt_run_is_listed(features_run):
    work, proc = features_run
    out = work / "results" / "features"
    pairs = pd.read_parquet(out / "pairs.parquet")
    models = pd.read_parquet(out / "models.parquet")
    failed = pd.read_csv(out / "failed.tsv", sep="\t")
    assert sorted(pairs["pair_id"]) == ["af3", "ap", "cf"]
    assert failed["pair_id"].tolist() == ["bad"]
    assert "pae_model_2_multimer_v3_pred_0.json" in failed["reason"][0]
    assert models.groupby("pair_id").size().to_dict() == {"af3": 1, "ap": 5, "cf": 1}
    assert "1 pairs or inputs could not be scored" in proc.stderr


def test_alphapulldown_values_come_from_ranking_debug(features_run, fixtures_dir):
    work, _ = features_run
    ranking = json.loads((fixtures_dir / AP / "ranking_debug.json").read_text())
    models = pd.read_parquet(work / "results/features/models.parquet").query("pair_id == 'ap'")
    by_rank = models.sort_values("model_rank")
    assert by_rank["model_name"].tolist() == ranking["order"]
    assert by_rank["iptm"].tolist() == pytest.approx([ranking["iptm"][m] for m in ranking["order"]])
    assert by_rank["ranking_confidence"].tolist() == pytest.approx([ranking["iptm+ptm"][m] for m in ranking["order"]])
    # no result pickles: pTM from iptm+ptm = 0.8 ipTM + 0.2 pTM (AlphaFold's definition), in 0..1
    ptm = [(ranking["iptm+ptm"][m] - 0.8 * ranking["iptm"][m]) / 0.2 for m in ranking["order"]]
    assert by_rank["ptm"].tolist() == pytest.approx(ptm) and by_rank["ptm"].between(0, 1).all()
    assert by_rank["ranking_score"].isna().all()
    pair = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id").loc["ap"]
    assert (pair["tf_chain"], pair["domain_chain"], pair["tf_length"], pair["domain_length"]) == ("C", "B", 24, 64)
    assert pair["n_models"] == 5
    assert pair["iptm"] == pytest.approx(ranking["iptm"][ranking["order"][0]])
    assert pair["iptm_mean"] == pytest.approx(sum(ranking["iptm"].values()) / 5)


@pytest.mark.parametrize("pair_id, table",
                         [("cf", "colabfold_5b8c/*_15_15.txt"), ("af3", "af3_server_5b8c/*_10_10.txt")])
def test_ipsae_matches_reference_with_an_extra_chain(features_run, fixtures_dir, pair_id, table):
    work, _ = features_run
    ref = ipsae_reference(next(fixtures_dir.glob(table)))
    pair = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id").loc[pair_id]
    assert (pair["tf_chain"], pair["domain_chain"]) == ("C", "B")
    assert pair["ipsae_tf_to_domain"] == pytest.approx(float(ref[("C", "B")]["ipSAE"]), abs=1e-4)
    assert pair["ipsae_domain_to_tf"] == pytest.approx(float(ref[("B", "C")]["ipSAE"]), abs=1e-4)
    assert pair["pdockq"] == pytest.approx(float(ref[("B", "C")]["pDockQ"]), abs=0.01)
    # 0.8 ipTM + 0.2 pTM from the predictor's own (2-decimal) numbers: ColabFold 0.84, 0.88; AlphaFold3 0.82, 0.87
    assert pair["ranking_confidence"] == pytest.approx({"cf": 0.848, "af3": 0.830}[pair_id], abs=1e-12)


@pytest.mark.parametrize("pair_id, structure", [
    ("cf", "colabfold_5b8c/5b8c_unrelaxed_alphafold2_multimer_v3_model_4_seed_000.pdb"),
    ("af3", "af3_server_5b8c/fold_5b8c_model_0.cif"),
])  # fmt: skip
def test_shape_complementarity_of_the_top_model(features_run, fixtures_dir, pair_id, structure):
    """The default (features.shape_complementarity: top): the top model of each run carries Sc of the TF chain (C)
    against the domain chain (B), equal to compute_sc on every heavy atom of the two chains as Biopython reads them;
    pairs.parquet repeats it (no _mean). The AlphaPulldown non-binder's chains do not touch: NaN, and no note."""
    from shape_complementarity import compute_sc

    work, _ = features_run
    a, b = (biopython_heavy_atoms(fixtures_dir / structure, chain) for chain in ("C", "B"))
    expected = compute_sc(a[0], a[1], a[2], b[0], b[1], b[2], parallel=False)
    pairs = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id")
    models = pd.read_parquet(work / "results/features/models.parquet").query("pair_id == @pair_id")
    top = models.set_index("model_rank").loc[0]
    assert top["shape_complementarity"] == pytest.approx(expected.sc, abs=1e-6)
    assert top["sc_area"] == pytest.approx(expected.trimmed_area, abs=1e-4)
    assert pairs.loc[pair_id, "shape_complementarity"] == top["shape_complementarity"]
    assert "shape_complementarity_mean" not in pairs.columns
    ap = pd.read_parquet(work / "results/features/models.parquet").query("pair_id == 'ap'")
    # the non-binder's chains have no facing surface: Sc 0 for the top model, not computed for the others
    top_ap = ap.set_index("model_rank")["shape_complementarity"]
    assert top_ap[0] == 0.0 and top_ap.drop(index=0).isna().all() and pairs.loc["ap", "shape_complementarity"] == 0
    warnings = pd.read_csv(work / "results/features/warnings.tsv", sep="\t")
    assert "shape_complementarity" not in set(warnings["stage"])


def test_rerun_is_up_to_date(features_run):
    work, _ = features_run
    proc = snakemake(work, "features", "-n")
    assert proc.returncode == 0
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_score_table_input_becomes_pairs_parquet(tmp_path, fixtures_dir):
    """The shared AlphaPulldown CSV (with LIS columns) through `snakemake features`."""
    import csv

    src = fixtures_dir / "alphapulldown_csv"
    config = {"tf_fasta": str(src / "candidate.fasta"), "domain_fasta": str(src / "bait.fasta"),
              "score_table": str(src / "LIA_LIS_output.csv")}  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "features")
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(src / "LIA_LIS_output.csv", newline="") as fh:
        cells = {row["jobs"]: {k.strip(): v for k, v in row.items()} for row in csv.DictReader(fh)}
    pairs = pd.read_parquet(tmp_path / "results/features/pairs.parquet").set_index("pair_id")
    assert sorted(pairs.index) == sorted(cells)
    row, cell = pairs.loc["KIX_and_MYB_24"], cells["KIX_and_MYB_24"]
    assert (row["tf_id"], row["domain_id"], row["source_format"]) == ("MYB_24", "KIX", "score_table")
    assert row["iptm"] == float(cell["iptm"])
    assert row["ranking_confidence"] == float(cell["iptm_ptm"])
    assert pd.isna(row["ranking_score"])  # AlphaFold3's own score: not in a score table
    assert row["pdockq"] == float(cell["mpDockQ/pDockQ"])
    assert row["interface_area"] == float(cell["int_area"])
    assert row["solvation_energy"] == float(cell["int_solv_en"])
    assert row["lis"] == float(cell["lis_score"])
    assert pd.read_csv(tmp_path / "results/features/failed.tsv", sep="\t").empty
    assert len(pd.read_parquet(tmp_path / "results/features/models.parquet")) == 0


def test_interface_metrics_and_descriptors_are_in_pairs_parquet(features_run):
    work, _ = features_run
    pairs = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id")
    tf_seq = pairs.loc["cf", "tf_sequence"]
    assert pairs.loc["cf", "tf_frac_acidic"] == pytest.approx(sum(tf_seq.count(a) for a in "DE") / len(tf_seq))
    assert pairs.loc["cf", "tf_ncpr"] == pytest.approx(
        (sum(tf_seq.count(a) for a in "KR") - sum(tf_seq.count(a) for a in "DE")) / len(tf_seq)
    )
    # 5b8c chains B and C form a real antibody VH/VL interface: buried area, contacts and H-bonds.
    for pair_id in ["cf", "af3"]:
        row = pairs.loc[pair_id]
        assert row["interface_area"] == pytest.approx(row["bsa"] / 2)
        assert row["bsa"] > 500 and row["n_contact_pairs"] > 10 and row["n_hbonds"] > 0
        assert row["n_interface_res"] == row["n_interface_res_tf"] + row["n_interface_res_domain"]


def test_score_table_with_the_cross_domain_profile_option(tmp_path, fixtures_dir):
    """`features.cross_domain_profile: [iptm]` through `snakemake features`: the shared score table's KIX rows
    plus the same tiles against a second domain (ipTM made up: the KIX value reversed in order), and xd_iptm
    of every pair worked out from the CSV cells with the standard library."""
    import csv
    import statistics

    src = fixtures_dir / "alphapulldown_csv"
    with open(src / "LIA_LIS_output.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames, list(reader)
    iptm_col = next(f for f in fields if f.strip() == "iptm")
    kix = {r["jobs"].split("_and_", 1)[1]: float(r[iptm_col]) for r in rows}
    order = sorted(kix, key=kix.get)
    second = {tile: kix[order[len(order) - 1 - k]] for k, tile in enumerate(order)}  # reversed ranks
    extra = [{**r, "jobs": r["jobs"].replace("KIX_and_", "TAZ2_and_"),
              iptm_col: str(second[r["jobs"].split("_and_", 1)[1]])} for r in rows]
    with open(tmp_path / "scores.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows + extra)
    (tmp_path / "domains.fasta").write_text((src / "bait.fasta").read_text().rstrip("\n")
                                            + "\n>TAZ2\nKKCQLHLRPCGRDFGQLSLQRCHQNNLC\n")
    config = {"tf_fasta": str(src / "candidate.fasta"), "domain_fasta": "domains.fasta",
              "score_table": "scores.csv", "features": {"cross_domain_profile": ["iptm"]}}  # fmt: skip
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    proc = snakemake(tmp_path, "features")
    assert proc.returncode == 0, proc.stderr[-3000:]
    pairs = pd.read_parquet(tmp_path / "results/features/pairs.parquet").set_index("pair_id")
    assert len(pairs) == 2 * len(rows)
    z = {}
    for domain, values in (("KIX", kix), ("TAZ2", second)):
        mu, sd = statistics.mean(values.values()), statistics.stdev(values.values())
        z.update({(domain, tile): (v - mu) / sd for tile, v in values.items()})
    for (domain, tile) in z:
        other = "TAZ2" if domain == "KIX" else "KIX"
        assert pairs.loc[f"{domain}_and_{tile}", "xd_iptm"] == pytest.approx(z[(other, tile)])


def test_interface_residues_of_the_top_model_are_in_pairs_parquet(features_run, fixtures_dir):
    # 5b8c chain C (the "TF") against chain B: recomputed with Biopython NeighborSearch on the PDB file and the
    # PAE matrix of the scores JSON, at the ColabFold default of features.interface_pae_cutoff (15 A)
    from helpers import biopython_interface_residues

    work, _ = features_run
    pairs = pd.read_parquet(work / "results/features/pairs.parquet").set_index("pair_id")
    folder = fixtures_dir / "colabfold_5b8c"
    pae = np.asarray(json.loads(next(folder.glob("*_scores_*.json")).read_text())["pae"], dtype=float)
    expected = biopython_interface_residues(next(folder.glob("*.pdb")), pae, "C", "B", 15.0)
    assert len(expected.split()) > 5
    assert pairs.loc["cf", "interface_residues_tile"] == expected
    assert pairs.loc["af3", "interface_residues_tile"]  # the same complex from AlphaFold3 (10 A cutoff)
