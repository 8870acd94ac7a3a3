"""The ranking through Snakemake on a reduced demo: without labels, with labels, and with a model from
another run (predict.model_file). Expected values are recomputed here from the feature table."""

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import rankdata

from helpers import DEMO, report_opening_text, run_in, write_demo_config

pytestmark = pytest.mark.slow
DOMAINS = ["KIX", "NCBD", "TAZ1", "TAZ2"]
REDUCED = dict(pairs_per_domain=6, models=["all"], train={"epochs": 4, "min_pairs": 8},
               evaluate={"cv_folds": 3, "bootstrap": 50, "seed": 0}, rank={"top_n": 2})


snakemake = run_in


def edit_config(work, drop=(), **updates):
    config = yaml.safe_load((work / "config.yaml").read_text())
    for key in drop:
        config.pop(key, None)
    for key, value in updates.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    (work / "config.yaml").write_text(yaml.safe_dump(config))


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    work = tmp_path_factory.mktemp("rank_labelled")
    write_demo_config(work, **REDUCED)
    proc = snakemake(work, "all", "predict")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work


@pytest.fixture(scope="module")
def unlabelled(tmp_path_factory):
    work = tmp_path_factory.mktemp("rank_unlabelled")
    write_demo_config(work, **REDUCED)
    edit_config(work, drop=["labels"])
    proc = snakemake(work)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "tfbind run summary" in proc.stdout + proc.stderr  # printed by onsuccess
    report = snakemake(work, "--report", "report.html")
    assert report.returncode == 0, report.stderr[-3000:]
    return work


def expected_consensus(pairs: pd.DataFrame) -> pd.Series:
    """The README definition, recomputed: mean over metrics of rank/n within the domain."""
    metrics = pd.DataFrame({
        "ranking_confidence": pairs["ranking_confidence"],
        "pdockq2": np.minimum(pairs["pdockq2_tf"], pairs["pdockq2_domain"]),
        "shape_complementarity": pairs["shape_complementarity"], "ipsae_min": pairs["ipsae_min"]})
    out = pd.Series(np.nan, index=pairs.index)
    for _, idx in pairs.groupby("domain_id").groups.items():
        pct = np.full((len(idx), metrics.shape[1]), np.nan)
        for j, c in enumerate(metrics.columns):
            x = metrics.loc[idx, c].to_numpy(dtype=float)
            ok = np.isfinite(x)  # a missing value is left out of that pair's mean
            pct[ok, j] = rankdata(x[ok]) / ok.sum()
        out[idx] = np.nanmean(pct, axis=1)
    return pd.Series(out.to_numpy(), index=pairs["pair_id"])


def shipped_p_binder(pairs: pd.DataFrame) -> pd.Series:
    """p_binder of the shipped EP300 model, from its predicted scores and the Platt formula of its calibration
    file written out here: 1 / (1 + exp(-(a[category] + b (score - mean training score[category]) / s)))."""
    import json

    from helpers import REPO
    from tfbind.model.predict import predict

    folder = REPO / "resources/models/ep300"
    cal = json.loads((folder / "calibration.json").read_text())
    score = predict(folder / "model.pt", pairs)["score"].to_numpy()
    cats = pairs["domain_category"].astype(str)
    platt = cal["p_binder"]
    logit = (cats.map(platt["intercept"]).to_numpy()
             + platt["slope"] * (score - cats.map(cal["train_score_mean"]).to_numpy()) / platt["scale"])
    return pd.Series(1 / (1 + np.exp(-logit)), index=pairs["pair_id"].to_numpy())


def test_unlabelled_ranking_tables_and_workbook(unlabelled):
    pairs = pd.read_parquet(unlabelled / "results/features/pairs.parquet")
    expected = expected_consensus(pairs)
    p_binder = shipped_p_binder(pairs)
    sheets = pd.read_excel(unlabelled / "results/ranking/ranking.xlsx", sheet_name=None)
    names = list(sheets)
    assert sorted(names[:-2]) == sorted(DOMAINS) and names[-2:] == ["all_metrics", "about"]  # domains, then
    # every metric of the pairs shown, then the definitions
    full = pd.read_parquet(unlabelled / "results/ranking/ranking.parquet").set_index("pair_id")
    for domain in DOMAINS:
        tsv = pd.read_csv(unlabelled / f"results/ranking/{domain}.tsv", sep="\t", keep_default_na=False,
                          na_values=[""])
        want = set(pairs.loc[pairs["domain_id"] == domain, "pair_id"])
        assert sorted(tsv["pair_id"]) == sorted(want)  # every pair ranked exactly once
        assert list(tsv["rank"]) == list(range(1, len(want) + 1))
        # full precision in ranking.parquet; the TSV rounds to 4 significant digits (relative error <= 5e-4)
        exact = full.loc[tsv["pair_id"]]
        np.testing.assert_allclose(exact["consensus"], expected[tsv["pair_id"]].to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(tsv["consensus"], expected[tsv["pair_id"]].to_numpy(), rtol=5e-4)
        # no labels, no model file: the shipped EP300 model ranks these EP300 domains, by p_binder
        assert (tsv["scored_by"] == "model").all()
        np.testing.assert_allclose(exact["p_binder"], p_binder[tsv["pair_id"]].to_numpy(), rtol=1e-6)
        np.testing.assert_allclose(tsv["p_binder"], p_binder[tsv["pair_id"]].to_numpy(), rtol=5e-4)
        np.testing.assert_array_equal(tsv["score"], tsv["p_binder"])
        assert (np.diff(tsv["score"].to_numpy()) <= 0).all()
        assert all(p.endswith(("ranked_0.pdb", ".pdb", ".cif")) for p in tsv["top_model"])
        pd.testing.assert_frame_equal(sheets[domain], tsv, check_dtype=False)


def test_unlabelled_plots_and_report(unlabelled):
    plots = unlabelled / "results/ranking/plots"
    assert (plots / "heatmap.png").stat().st_size > 10_000
    assert sorted(p.name for p in (plots / "tracks").glob("*.png"))  # demo tiles: GENE_N with tiling.step
    assert len(list((plots / "top").glob("*_rank*.png"))) == len(DOMAINS) * 2
    html = (unlabelled / "report.html").read_text()
    assert "1. Ranked candidates" in html
    # the opening text: no labels, so no training; the shipped pretrained model knows every demo category
    text = report_opening_text(unlabelled / "report.html")
    assert "This run ranked 4 domains:</b> KIX, TAZ1, TAZ2, NCBD." in text  # domains.fasta order
    for domain in DOMAINS:
        ranked = pd.read_csv(unlabelled / f"results/ranking/{domain}.tsv", sep="\t")
        best = ", ".join(f"{t} ({s:.2f})" for t, s in zip(ranked["tf_id"][:3], ranked["score"][:3]))
        assert f"<tr><td>{domain}</td><td>the pretrained model shipped with tfbind</td><td>{best}</td></tr>" in text
    assert "Training: none in this run (no labels)." in text and "trained a fusion model" not in text
    page = (unlabelled / "results/ranking/ranked_candidates.html").read_text()
    assert "tfbind run summary" in page and "pairs read: 24" in page
    first = pd.read_csv(unlabelled / "results/ranking/KIX.tsv", sep="\t")["tf_id"].iloc[0]
    assert first in page
    # offline: no script or stylesheet is loaded from the network
    assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?https?:", page)
    # below both bounds: every tile on the heatmap, every gene a track, and the index says so
    ranking = pd.read_parquet(unlabelled / "results/ranking/ranking.parquet")
    genes = sorted({t.rsplit("_", 1)[0] for t in ranking["tf_id"]})  # demo tiles are GENE_N
    index = pd.read_csv(plots / "tracks/index.tsv", sep="\t")
    assert sorted(index["gene"]) == genes and (index["drawn"] == "yes").all()
    assert sorted(p.stem for p in (plots / "tracks").glob("*.png")) == genes
    log = (unlabelled / "results/logs/rank/plots.log").read_text()
    n_tiles = ranking["tf_id"].nunique()
    assert f"heatmap: {n_tiles} of {n_tiles} tiles drawn" in log
    assert f"score tracks: {len(genes)} of {len(genes)} genes drawn" in log


def test_plots_bounded_by_config_draw_the_best_and_count_the_rest(unlabelled):
    """rank.heatmap_tiles / rank.track_genes below the demo's size: only rank_plots reruns (params), the
    best tiles and gene are kept (worked out here from ranking.parquet), the rest counted and indexed."""
    edit_config(unlabelled, rank={"heatmap_tiles": 5, "track_genes": 1})
    proc = snakemake(unlabelled, "rank")
    assert proc.returncode == 0, proc.stderr[-3000:]
    ranking = pd.read_parquet(unlabelled / "results/ranking/ranking.parquet")
    best = ranking.groupby("tf_id")["score"].max()  # the heatmap and tracks draw what the ranking follows
    gene_best = best.groupby(best.index.str.rsplit("_", n=1).str[0]).max()
    gene_best = gene_best.loc[sorted(gene_best.index, key=lambda g: (-gene_best[g], g))]  # ties: gene name
    plots = unlabelled / "results/ranking/plots"
    assert [p.stem for p in (plots / "tracks").glob("*.png")] == [gene_best.index[0]]
    index = pd.read_csv(plots / "tracks/index.tsv", sep="\t", keep_default_na=False)
    assert list(index["gene"]) == list(gene_best.index)  # every gene, best first
    np.testing.assert_allclose(index["best_score"], gene_best.to_numpy())
    assert list(index["drawn"]) == ["yes"] + ["no"] * (len(gene_best) - 1)
    log = (unlabelled / "results/logs/rank/plots.log").read_text()
    assert f"heatmap: 5 of {len(best)} tiles drawn (rank.heatmap_tiles = 5); {len(best) - 5} left out" in log
    assert (f"score tracks: 1 of {len(gene_best)} genes drawn (rank.track_genes = 1); left out: "
            f"{len(gene_best) - 1} below the best 1") in log
    report = snakemake(unlabelled, "--report", "report_bounded.html")
    assert report.returncode == 0, report.stderr[-3000:]
    assert f"{gene_best.index[0]}.png" in (unlabelled / "report_bounded.html").read_text()


def test_labelled_run_ranks_with_the_model_and_adds_consensus_to_metrics(labelled):
    kix = pd.read_csv(labelled / "results/ranking/KIX.tsv", sep="\t", keep_default_na=False, na_values=[""])
    assert list(kix.columns[:6]) == ["rank", "tf_id", "domain_id", "domain_category", "score", "scored_by"]
    assert {"p_binder", "kd_pred_nm", "kd_pred_low_nm", "kd_pred_high_nm", "applicability", "imputed",
            "model_score"} <= set(kix.columns)
    assert (kix["scored_by"] == "model").all() and kix["p_binder"].between(0, 1).all()
    assert (np.diff(kix["score"].to_numpy()) <= 0).all()  # the rank follows the model's p_binder
    assert (kix["kd_pred_low_nm"] <= kix["kd_pred_high_nm"]).all()
    predicted = pd.read_csv(labelled / "results/predictions/all.tsv", sep="\t").set_index("pair_id")
    # one name, one value: both text tables round the same model output the same way
    np.testing.assert_array_equal(kix["model_score"], predicted.loc[kix["pair_id"], "model_score"])
    # the predicted Kd is clipped to the Kd range of the category's training labels
    labels = pd.read_csv(DEMO / "labels.tsv", sep="\t")
    pairs = pd.read_parquet(labelled / "results/features/pairs.parquet")
    split = pd.read_csv(labelled / "results/models/all/split.tsv", sep="\t")
    trained = pairs[pairs["pair_id"].isin(split.loc[split["split"] == "train", "pair_id"])]
    kd = trained.merge(labels, on=["tf_id", "domain_id"]).query("domain_id == 'KIX'")["kd_nm"]
    assert kix["kd_pred_nm"].between(kd.min(), kd.max()).all()
    expected = np.clip(predicted.loc[kix["pair_id"], "kd_pred_unclipped_nm"].to_numpy(), kd.min(), kd.max())
    np.testing.assert_allclose(kix["kd_pred_nm"], expected, rtol=5e-3)  # both rounded to 3 significant digits
    metrics = pd.read_csv(labelled / "results/scores/all/metrics.tsv", sep="\t")
    cv = metrics.query("split == 'cv' and predictor == 'consensus' and domain != 'all'")
    assert set(cv["domain"]) == set(DOMAINS) and (cv["n"] == 6).all() and cv["spearman"].notna().all()
    for name in ("cv_observed_vs_predicted.png", "cv_roc_pr.png"):
        assert (labelled / "results/ranking/plots" / name).stat().st_size > 10_000


def test_model_from_another_run_scores_as_predict_in_that_run(labelled, tmp_path):
    work = tmp_path / "external"
    write_demo_config(work, **REDUCED)
    model = labelled / "results/models/all/model.pt"
    edit_config(work, drop=["labels"], predict={"model_file": str(model)})
    proc = snakemake(work, "rank", "predict")
    assert proc.returncode == 0, proc.stderr[-3000:]
    theirs = pd.read_csv(labelled / "results/predictions/all.tsv", sep="\t").set_index("pair_id")
    ours = pd.read_csv(work / "results/predictions/all.tsv", sep="\t").set_index("pair_id")
    np.testing.assert_allclose(ours.loc[theirs.index, "model_score"], theirs["model_score"], rtol=1e-6)
    for domain in DOMAINS:
        tsv = pd.read_csv(work / f"results/ranking/{domain}.tsv", sep="\t").set_index("pair_id")
        np.testing.assert_allclose(tsv["model_score"], theirs.loc[tsv.index, "model_score"], rtol=1e-6)
        assert (tsv["applicability"] != "unseen category").all() and (tsv["scored_by"] == "model").all()

    # a feature table without a column the model uses is refused, naming it
    table = pd.read_parquet(work / "results/features/pairs.parquet").drop(columns=["pdockq"])  # a default input
    table.to_csv(work / "lacking.tsv", sep="\t", index=False)
    edit_config(work, predict={"pairs": "lacking.tsv", "model": "lacking"})
    proc = snakemake(work, "predict")
    assert proc.returncode != 0
    assert "missing column(s) pdockq" in proc.stderr + proc.stdout + "".join(
        p.read_text() for p in (work / "results/logs/predict").glob("*.log"))


def test_unseen_category_is_scored_with_a_warning_and_flagged(labelled, caplog):
    from tfbind.model.predict import predict
    from tfbind.ranking.model_scores import model_scores

    model = labelled / "results/models/all/model.pt"
    pairs = pd.read_parquet(labelled / "results/features/pairs.parquet")
    odd = pairs.assign(domain_category=np.where(pairs["domain_id"] == "NCBD", "CH1", pairs["domain_category"]))
    with caplog.at_level("WARNING"):
        got = model_scores(model, odd).set_index("pair_id")
    assert "CH1" in caplog.text
    flagged = odd.loc[odd["domain_category"] == "CH1", "pair_id"]
    assert (got.loc[flagged, "applicability"] == "unseen category").all()
    assert not (got.drop(flagged)["applicability"] == "unseen category").any()
    # scored with the model's shared weights, exactly as predict scores an unseen category
    rows = odd[odd["domain_category"] == "CH1"]
    expected = predict(model, rows)
    assert not expected["category_seen"].any()
    np.testing.assert_allclose(got.loc[rows["pair_id"], "model_score"], expected["score"], rtol=1e-6)


@pytest.mark.parametrize("inputs", [
    # a score table: the ranking's rules read it first (a traceback before); prepare alone: not read at start
    {"score_table": "scores.csv", "pairs": "", "predictions_dir": ""},
    {"tf_proteins": str(DEMO / "proteins.fasta"), "tf_fasta": "", "pairs": "", "predictions_dir": ""},
])
def test_a_broken_domain_fasta_stops_the_start_with_one_line(tmp_path, inputs):
    (tmp_path / "domains.fasta").write_text(">KIX category=KIX\nACDEFGHIK\n>BAD\nACDJEFG\n")
    (tmp_path / "scores.csv").write_text("jobs,iptm\n")
    write_demo_config(tmp_path)
    edit_config(tmp_path, domain_fasta="domains.fasta", labels="", demo={"generate": False}, **inputs)
    proc = snakemake(tmp_path, "-n")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    line = "input error: domains.fasta record 2 (>BAD): sequence has letters outside the 20 amino acids plus X: J"
    assert line in out.splitlines(), out[-2000:]
    # no traceback into the package
    assert "InputError" not in out and "sequences.py" not in out, out[-2000:]


def test_unlabelled_interface_residues_are_numbered_in_the_protein(unlabelled):
    # demo tiles GENE_N with tiling.step 80, first_index 1: tile N starts at protein residue (N - 1) * 80 + 1; a
    # residue "L92" of tile 2 is position 92 - 81 + 1 = 12 of the tile, and its letter is the tile's 12th
    from tfbind.metrics.interface_residues import parse

    pairs = pd.read_parquet(unlabelled / "results/features/pairs.parquet").set_index("pair_id")
    checked = 0
    for domain in DOMAINS:
        tsv = pd.read_csv(unlabelled / f"results/ranking/{domain}.tsv", sep="\t", keep_default_na=False)
        for row in tsv.itertuples():
            start = (int(row.tf_id.rsplit("_", 1)[1]) - 1) * 80 + 1
            assert int(row.tile_start) == start
            sequence = pairs.loc[row.pair_id, "tf_sequence"]
            tile = parse(pairs.loc[row.pair_id, "interface_residues_tile"])
            protein = parse(row.interface_residues)
            assert [n - start + 1 for _, n in protein] == [n for _, n in tile]
            assert all(sequence[n - start] == letter for letter, n in protein)
            checked += len(protein)
    assert checked > 0  # the demo's binders have interface residues
    # the top-candidate panels: one per candidate up to rank.top_n, named by domain and rank
    top = unlabelled / "results/ranking/plots/top"
    assert sorted(p.name for p in top.glob("*.png")) == sorted(f"{d}_rank{n}.png" for d in DOMAINS for n in (1, 2))
