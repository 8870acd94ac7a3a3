# Ranking: the screen's answer for every run, labels or not. Ranked candidates per domain (TSV + workbook),
# an offline interactive page for the report, heatmap, score tracks, top-candidate panels; with a model
# (this run's, predict.model_file from another run, or the shipped pretrained one) its p_binder, predicted Kd and
# applicability join the ranking, and it ranks the domains whose category it was trained on (rank.order_by).

RANKING = f"{RESULTS}/ranking"
RANK_TOP_N = config["rank"]["top_n"]
RANK_DOMAINS = list(DOMAINS)  # common.smk
RANK_SCOPE = (
    config["predict"]["model"] if config["predict"]["model"] in config["models"] else config["models"][0]
)
# The model that scores (and, per rank.order_by, ranks) the pairs: predict.model_file, this run's model
# (labels), or the pretrained model shipped in resources/models/ (predict.pretrained) when it knows one of
# the run's domain categories; none: the consensus ranks (tfbind.model.pretrained).
try:
    _RANK = rank_model(
        config,
        WORKFLOW_DIR.parent / "resources" / "models",
        {d.category for d in DOMAINS.values()},
        f"{RESULTS}/models/{RANK_SCOPE}" if TRAIN_ENABLED else None,
    )
except InputError as exc:
    raise WorkflowError(f"config error: {exc}") from None
RANK_MODEL = _RANK.model if _RANK else ""
RANK_CALIBRATION = _RANK.calibration if _RANK and _RANK.calibration else ""
RANK_MODEL_KIND = _RANK.kind if _RANK else ""
RANK_MODEL_NOTE = (
    _RANK.note if _RANK else "none (no labels, no predict.model_file, no pretrained model for these domains)"
)


rule rank_model_scores:
    input:
        model=rank_model_input,
        calibration=[RANK_CALIBRATION] if RANK_CALIBRATION else [],
        pairs=FEATURE_TABLES["pairs"],
    output:
        f"{RANKING}/model_scores.tsv",
    log:
        f"{LOGS}/rank/model_scores.log",
    conda:
        "../../envs/evaluation.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../scripts/rank_model_scores.py"


rule rank_candidates:
    input:
        pairs=FEATURE_TABLES["pairs"],
        failed=FEATURE_TABLES["failed"],
        scores=[f"{RANKING}/model_scores.tsv"] if RANK_MODEL else [],
        calibration=[RANK_CALIBRATION] if RANK_CALIBRATION else [],
        tf_fasta=config["tf_fasta"],
    output:
        tsv=expand(f"{RANKING}/{{domain}}.tsv", domain=RANK_DOMAINS),
        xlsx=f"{RANKING}/ranking.xlsx",
        parquet=f"{RANKING}/ranking.parquet",
        summary=f"{RANKING}/summary.txt",
        page=report(
            f"{RANKING}/ranked_candidates.html",
            caption="../report/ranked_candidates.rst",
            category="1. Ranked candidates",
        ),
    log:
        f"{LOGS}/rank/candidates.log",
    conda:
        "../../envs/ranking.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        domains=RANK_DOMAINS,
        model=RANK_MODEL_NOTE,
        model_kind=RANK_MODEL_KIND,  # the report's landing text names the model (tfbind.ranking.landing)
        trained=TRAIN_ENABLED,
        order_by=config["rank"]["order_by"],
        workbook_rows=config["rank"]["workbook_rows"],
        page_rows=config["rank"]["page_rows"],
        tiling=config["tiling"],
    script:
        "../scripts/rank_candidates.py"


rule rank_plots:
    input:
        ranking=f"{RANKING}/ranking.parquet",
        tf_fasta=config["tf_fasta"],
    output:
        heatmap=report(
            f"{RANKING}/plots/heatmap.png",
            caption="../report/rank_heatmap.rst",
            category="2. Heatmap and score tracks",
            subcategory="heatmap",
        ),
        tracks=report(
            directory(f"{RANKING}/plots/tracks"),
            patterns=["{gene}.png"],
            caption="../report/rank_tracks.rst",
            category="2. Heatmap and score tracks",
            subcategory="score tracks",
        ),
    log:
        f"{LOGS}/rank/plots.log",
    conda:
        "../../envs/ranking.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        tiling=config["tiling"],
        heatmap_tiles=config["rank"]["heatmap_tiles"],
        track_genes=config["rank"]["track_genes"],
    script:
        "../scripts/rank_plots.py"


# Top-candidate panels, none for score tables (no model files to draw): a folder holding {domain}_rank{n}.png for
# the best rank.top_n candidates each domain has (how many is known after features) and {domain}_none.png for a
# domain without any.
RANK_TOP_DIR = f"{RANKING}/plots/top"
RANK_TOP = [] if USE_SCORE_TABLE else [RANK_TOP_DIR]


rule rank_top_panels:
    input:
        ranking=f"{RANKING}/ranking.parquet",
        pairs=FEATURE_TABLES["pairs"],
    output:
        report(
            directory(RANK_TOP_DIR),
            patterns=["{domain}_rank{n}.png", "{domain}_none.png"],
            caption="../report/rank_top.rst",
            category="3. Top candidates",
            subcategory="{domain}",
        ),
    log:
        f"{LOGS}/rank/top_panels.log",
    conda:
        "../../envs/ranking.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        domains=RANK_DOMAINS,
        top_n=RANK_TOP_N,
    script:
        "../scripts/rank_top_panels.py"


RANK_MODEL_PLOTS = [
    f"{RANKING}/plots/cv_observed_vs_predicted.png",
    f"{RANKING}/plots/cv_roc_pr.png",
]


rule rank_model_plots:
    input:
        # every repeat (the evaluation and the calibration read them too): a pair's value is its mean over them
        oof=expand(
            f"{RESULTS}/scores/{RANK_SCOPE}/cv/repeat_{{repeat}}/fold_{{fold}}/oof.tsv",
            repeat=REPEATS,
            fold=FOLDS,
        ),
        pairs=FEATURE_TABLES["pairs"],
        labels=labels_input,
    output:
        observed=report(
            RANK_MODEL_PLOTS[0],
            caption="../report/rank_cv_observed.rst",
            category="4. Model (cross-validation)",
        ),
        curves=report(
            RANK_MODEL_PLOTS[1],
            caption="../report/rank_cv_curves.rst",
            category="4. Model (cross-validation)",
        ),
    log:
        f"{LOGS}/rank/model_plots.log",
    conda:
        "../../envs/evaluation.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    script:
        "../scripts/rank_model_plots.py"


rule rank:
    input:
        rules.rank_candidates.output,
        rules.rank_plots.output,
        RANK_TOP,
        RANK_MODEL_PLOTS if TRAIN_ENABLED else [],


onsuccess:
    # The run summary, when the ranking is up to date with the feature tables (not after `--until features`);
    # else the features summary (`snakemake features`).
    _summary, _pairs = Path(RANKING) / "summary.txt", Path(FEATURE_TABLES["pairs"])
    if _summary.is_file() and _pairs.is_file() and _summary.stat().st_mtime >= _pairs.stat().st_mtime:
        from tfbind.ranking.summary import (
            report_command,
            snakemake_program,
        )  # here: not a parse-time import

        # the report command of this very run (Snakefile, working directory, config files), runnable as printed
        _report = report_command(
            workflow.main_snakefile,
            Path.cwd(),
            workflow.overwrite_configfiles,
            workflow.config_settings.config_args or (),
            snakemake_program(sys.argv[0], sys.executable),
        )
        print(f"\n{_summary.read_text()}report: {_report} (first section: ranked candidates)")
    elif (
        (_read := Path(FEATURES) / "summary.txt").is_file()
        and _pairs.is_file()
        and (_read.stat().st_mtime >= _pairs.stat().st_mtime)
    ):
        # a stage run (`snakemake features`): what it read
        print(f"\n{_read.read_text()}", end="")
