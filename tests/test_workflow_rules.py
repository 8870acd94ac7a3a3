"""Every rule is defined for every config (Snakefile, the comment above the includes): `--list-rules` (and so
`--lint` and `use rule * from`) sees the same workflow for the demo, a run without labels and a prepare-only
run. The one exception, the score-table route (import_score_table instead of the AlphaFold route's
extract_archive, extract_shard and merge_features: both write the feature tables), is checked too."""

import yaml

from helpers import REPO, run_in, write_demo_config

# The workflow's rules, named by hand from workflow/rules/*.smk and the Snakefile.
ALPHAFOLD_ROUTE = {"demo_predictions", "extract_archive", "extract_shard", "merge_features"}
SCORE_TABLE_ROUTE = {"demo_predictions", "import_score_table"}
SHARED = {
    "all", "prepare", "prepare_jobs", "run_structure_prediction", "features", "features_summary", "train",
    "train_model", "cv_fold", "evaluate", "evaluate_model", "plot_model", "calibrate", "calibrate_model", "predict",
    "predict_pairs", "rank", "rank_candidates", "rank_model_scores", "rank_plots", "rank_top_panels",
    "rank_model_plots",
}


def listed_rules(work) -> set[str]:
    proc = run_in(work, "--list-rules")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(proc.stdout.split())


def edit_config(work, **changes):
    config = yaml.safe_load((work / "config.yaml").read_text())
    config.update(changes)
    (work / "config.yaml").write_text(yaml.safe_dump(config))


def test_demo_label_free_and_prepare_only_configs_list_the_same_rules(tmp_path):
    demo = tmp_path / "demo"
    write_demo_config(demo, pairs_per_domain=1)
    no_labels = tmp_path / "no_labels"
    write_demo_config(no_labels, pairs_per_domain=1)
    edit_config(no_labels, labels="")
    # tf_proteins and nothing predicted yet: the workflow runs the prepare stage alone (no pair plan)
    prepare_only = tmp_path / "prepare_only"
    prepare_only.mkdir()
    config = yaml.safe_load((REPO / "config" / "prepare_example.yaml").read_text())
    config.update(tf_proteins=str(REPO / "resources/demo/proteins.fasta"),
                  domain_fasta=str(REPO / "resources/demo/domains.fasta"))
    (prepare_only / "config.yaml").write_text(yaml.safe_dump(config))

    expected = SHARED | ALPHAFOLD_ROUTE
    assert listed_rules(demo) == expected
    assert listed_rules(no_labels) == expected
    assert listed_rules(prepare_only) == expected
    assert not (prepare_only / "results" / "features" / "plan").exists()  # parsed, nothing planned


def test_a_score_table_config_swaps_the_feature_route_only(tmp_path):
    work = tmp_path / "scores"
    write_demo_config(work, pairs_per_domain=1)
    edit_config(work, score_table=str(REPO / "resources/ep300_kd/alphapulldown_scores.csv"), pairs="",
                predictions_dir="", labels="")
    proc = run_in(work, "--list-rules")
    if proc.returncode != 0:  # the demo's TF/domain FASTA must name the table's proteins; say why if not
        raise AssertionError(proc.stderr[-3000:])
    assert set(proc.stdout.split()) == SHARED | SCORE_TABLE_ROUTE
