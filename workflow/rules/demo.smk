# The embedded demo: synthetic AlphaFold runs generated on first use (too bulky to commit), one job per
# shard, so that appending pairs to the demo generates (and re-extracts) only the shards that changed.
# The runs land in predictions_dir/{pair_id}; the declared output is the list of runs a job wrote.


rule demo_predictions:
    input:
        manifest=f"{PLAN_DIR}/{{shard}}.tsv",
    output:
        f"{RESULTS}/demo/generated/{{shard}}.tsv",
    log:
        f"{LOGS}/demo/{{shard}}.log",
    conda:
        "../../envs/features.yaml"
    params:
        seed=config["demo"]["seed"],
    script:
        "../scripts/demo_predictions.py"
