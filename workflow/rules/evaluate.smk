# Evaluation per model scope: cross-validation folds (one job each, in parallel), the score table and
# metrics against baselines, plots with report captions. Scoring new pairs (`predict`): predict.smk.

SCORES = f"{RESULTS}/scores"
FOLDS = list(range(SETTINGS.evaluate.cv_folds))
REPEATS = list(range(SETTINGS.evaluate.cv_repeats))


wildcard_constraints:
    fold=r"\d+",
    repeat=r"\d+",
    model=r"[A-Za-z0-9._-]+",


rule cv_fold:
    input:
        pairs=FEATURE_TABLES["pairs"],
        labels=labels_input,
    output:
        oof=f"{SCORES}/{{model}}/cv/repeat_{{repeat}}/fold_{{fold}}/oof.tsv",
        model=f"{SCORES}/{{model}}/cv/repeat_{{repeat}}/fold_{{fold}}/model.pt",
        history=f"{SCORES}/{{model}}/cv/repeat_{{repeat}}/fold_{{fold}}/history.tsv",
        split=f"{SCORES}/{{model}}/cv/repeat_{{repeat}}/fold_{{fold}}/split.tsv",
    log:
        f"{LOGS}/evaluate/{{model}}_repeat_{{repeat}}_fold_{{fold}}.log",
    benchmark:
        f"{BENCHMARKS}/evaluate/{{model}}_repeat_{{repeat}}_fold_{{fold}}.tsv"
    conda:
        "../../envs/evaluation.yaml"
    threads: 1
    resources:
        gpu=TRAIN_GPUS,
        mem_mb=8000,
        runtime=240,
    params:
        train=SETTINGS.train,
        n_folds=SETTINGS.evaluate.cv_folds,
        seed=SETTINGS.evaluate.seed,
        group_by=SETTINGS.evaluate.group_by,
    script:
        "../scripts/cv_fold.py"


rule evaluate_model:
    input:
        model=f"{MODELS}/{{model}}/model.pt",
        split=f"{MODELS}/{{model}}/split.tsv",
        pairs=FEATURE_TABLES["pairs"],
        labels=labels_input,
        oof=expand(
            f"{SCORES}/{{model}}/cv/repeat_{{repeat}}/fold_{{fold}}/oof.tsv",
            repeat=REPEATS,
            fold=FOLDS,
            allow_missing=True,
        ),
    output:
        predictions=report(
            f"{SCORES}/{{model}}/predictions.tsv",
            caption="../report/predictions.rst",
            category="Scores",
            subcategory="{model}",
        ),
        parquet=f"{SCORES}/{{model}}/predictions.parquet",
        metrics=report(
            f"{SCORES}/{{model}}/metrics.tsv",
            caption="../report/metrics.rst",
            category="Metrics",
            subcategory="{model}",
        ),
        summary=report(
            f"{SCORES}/{{model}}/summary.md",
            caption="../report/summary.rst",
            category="Metrics",
            subcategory="{model}",
        ),
    log:
        f"{LOGS}/evaluate/{{model}}.log",
    conda:
        "../../envs/evaluation.yaml"
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        # An evaluation key change re-runs evaluation only (not training, not extraction).
        settings=SETTINGS.evaluate.as_dict(),
    script:
        "../scripts/evaluate_model.py"


PLOTS = ["training_curves", "pred_vs_obs", "metric_bars", "roc_curves", "feature_pca"]


# Performance plots draw the cross-validation only (metrics.tsv's cv rows, the out-of-fold tables of every
# repeat): the model's own test split is too small to draw as a result.
rule plot_model:
    input:
        history=f"{MODELS}/{{model}}/history.tsv",
        predictions=f"{SCORES}/{{model}}/predictions.parquet",
        metrics=f"{SCORES}/{{model}}/metrics.tsv",
        oof=expand(
            f"{SCORES}/{{model}}/cv/repeat_{{repeat}}/fold_{{fold}}/oof.tsv",
            repeat=REPEATS,
            fold=FOLDS,
            allow_missing=True,
        ),
        pairs=FEATURE_TABLES["pairs"],
    output:
        **{
            name: report(
                f"{SCORES}/{{model}}/plots/{name}.png",
                caption=f"../report/{name}.rst",
                category="Plots",
                subcategory="{model}",
            )
            for name in PLOTS
        },
    log:
        f"{LOGS}/evaluate/{{model}}_plots.log",
    conda:
        "../../envs/evaluation.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        n_folds=SETTINGS.evaluate.cv_folds,
        group_by=SETTINGS.evaluate.group_by,
    script:
        "../scripts/plot_model.py"


rule evaluate:
    input:
        expand(rules.evaluate_model.output.metrics, model=config["models"]),
        expand(f"{SCORES}/{{model}}/plots/{{name}}.png", model=config["models"], name=PLOTS),


# What the deployed model needs besides its weights (p_binder calibrated on the out-of-fold predictions of
# every repeat, the Kd and input ranges seen in training): read by the ranking, shipped with a model.
rule calibrate_model:
    input:
        model=f"{MODELS}/{{model}}/model.pt",
        split=f"{MODELS}/{{model}}/split.tsv",
        pairs=FEATURE_TABLES["pairs"],
        labels=labels_input,
        oof=expand(
            f"{SCORES}/{{model}}/cv/repeat_{{repeat}}/fold_{{fold}}/oof.tsv",
            repeat=REPEATS,
            fold=FOLDS,
            allow_missing=True,
        ),
    output:
        calibration=f"{MODELS}/{{model}}/calibration.json",
        reliability=report(
            f"{MODELS}/{{model}}/reliability.png",
            caption="../report/reliability.rst",
            category="4. Model (cross-validation)",
        ),
    log:
        f"{LOGS}/evaluate/{{model}}_calibration.log",
    conda:
        "../../envs/evaluation.yaml"
    resources:
        mem_mb=2000,
        runtime=20,
    script:
        "../scripts/calibrate_model.py"


rule calibrate:
    input:
        expand(rules.calibrate_model.output, model=config["models"]),
