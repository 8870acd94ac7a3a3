# The embedded demo: synthetic AlphaFold runs generated on first use (too bulky to commit).

if config["demo"]["generate"] and not USE_SCORE_TABLE:

    rule demo_predictions:
        output:
            directory(config["predictions_dir"]),
        params:
            seed=config["demo"]["seed"],
            # Only the runs the pairs table asks for (a reduced demo config generates fewer).
            pair_ids=[Path(p).name for p in PLAN.pairs["prediction"]],
        log:
            f"{LOGS}/demo/predictions.log",
        conda:
            "../../envs/features.yaml"
        script:
            "../scripts/demo_predictions.py"
