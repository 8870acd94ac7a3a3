# The embedded demo: synthetic AlphaFold runs generated on first use (too bulky to commit).

if config["demo"]["generate"]:

    rule demo_predictions:
        output:
            directory(config["predictions_dir"]),
        params:
            seed=config["demo"]["seed"],
        log:
            f"{LOGS}/demo/predictions.log",
        conda:
            "../../envs/features.yaml"
        script:
            "../scripts/demo_predictions.py"
