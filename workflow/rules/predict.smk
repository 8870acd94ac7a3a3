# Scoring pairs without labels (`snakemake predict`): with this run's model of scope `predict.model` (when
# `labels` are given) or with `predict.model_file`, a model.pt written by another run (no labels needed).
# Included when either is available.


rule predict_pairs:
    input:
        # predict.model_file: a model from another run instead of this run's scope
        model=config["predict"]["model_file"] or f"{RESULTS}/models/{{model}}/model.pt",
        pairs=config["predict"]["pairs"] or FEATURE_TABLES["pairs"],
    output:
        f"{RESULTS}/predictions/{{model}}.tsv",
    log:
        f"{LOGS}/predict/{{model}}.log",
    conda:
        "../../envs/evaluation.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    script:
        "../scripts/predict_pairs.py"


rule predict:
    input:
        f"{RESULTS}/predictions/{config['predict']['model']}.tsv",
