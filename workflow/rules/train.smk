# Training: one fusion model per scope in `models` ("all" or a domain category), in parallel.
# Asks the scheduler for a GPU only when the train config needs one (TRAIN_GPUS, common.smk: a
# residue encoder or train.device: cuda); uses one when present either way (train.device: auto).

MODELS = f"{RESULTS}/models"


rule train_model:
    input:
        pairs=FEATURE_TABLES["pairs"],
        labels=labels_input,
    output:
        model=f"{MODELS}/{{model}}/model.pt",
        history=f"{MODELS}/{{model}}/history.tsv",
        split=f"{MODELS}/{{model}}/split.tsv",
    log:
        f"{LOGS}/train/{{model}}.log",
    benchmark:
        f"{BENCHMARKS}/train/{{model}}.tsv"
    conda:
        "../../envs/training.yaml"
    threads: 2
    resources:
        gpu=TRAIN_GPUS,
        mem_mb=8000,
        runtime=240,
    params:
        # Any change of a training key re-runs training (and what depends on it), not extraction.
        train=SETTINGS.train,
        group_by=SETTINGS.evaluate.group_by,
    script:
        "../scripts/train_model.py"


rule train:
    input:
        expand(rules.train_model.output.model, model=config["models"]),
