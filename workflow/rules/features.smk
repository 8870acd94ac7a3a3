# Feature extraction: AlphaFold runs -> per-model and per-pair Parquet tables, one job per shard;
# or, with config `score_table`, an AlphaPulldown score table -> the same pairs table.

FEATURE_TABLES = {
    "models": f"{FEATURES}/models.parquet",
    "pairs": f"{FEATURES}/pairs.parquet",
    "failed": f"{FEATURES}/failed.tsv",
    # the two Parquet tables as text for reading (numbers rounded; tfbind.text_tables), written beside them
    "models_tsv": f"{FEATURES}/models.tsv",
    "pairs_tsv": f"{FEATURES}/pairs.tsv",
}

if USE_SCORE_TABLE:

    rule import_score_table:
        input:
            table=config["score_table"],
            tf_fasta=config["tf_fasta"],
            domain_fasta=config["domain_fasta"],
        output:
            **FEATURE_TABLES,
        log:
            f"{LOGS}/features/import_score_table.log",
        conda:
            "../../envs/features.yaml"
        resources:
            mem_mb=2000,
            runtime=10,
        params:
            cross_domain=config["features"]["cross_domain_profile"],
        script:
            "../scripts/import_score_table.py"

else:

    rule extract_archive:
        # An AlphaFold Server download (zip) in predictions_dir, extracted once; checked at parse time and
        # again here (tfbind.plan.archives). A refused archive fails its pairs with the reason.
        input:
            lambda wildcards: ARCHIVES[wildcards.archive],
        output:
            directory(f"{RESULTS}/archives/{{archive}}"),
        log:
            f"{LOGS}/archives/{{archive}}.log",
        conda:
            "../../envs/features.yaml"
        resources:
            mem_mb=500,
            runtime=30,
        params:
            max_archive_mb=config["features"]["max_archive_mb"],
        script:
            "../scripts/extract_archive.py"

    rule extract_shard:
        input:
            # The manifest carries the shard's pairs and sequences: the FASTA files are read when the
            # workflow is parsed, so a job depends on its own pairs only.
            manifest=f"{PLAN_DIR}/{{shard}}.tsv",
            runs=demo_runs,
            archives=shard_archives_input,
        output:
            models=f"{FEATURES}/shards/{{shard}}.models.parquet",
            pairs=f"{FEATURES}/shards/{{shard}}.pairs.parquet",
            failed=f"{FEATURES}/shards/{{shard}}.failed.tsv",
            warnings=f"{FEATURES}/shards/{{shard}}.warnings.tsv",
        log:
            f"{LOGS}/features/{{shard}}.log",
        benchmark:
            f"{BENCHMARKS}/features/{{shard}}.tsv"
        conda:
            "../../envs/features.yaml"
        threads: 1
        resources:
            mem_mb=2000,
            # minutes per shard (1000 pairs by default); shape complementarity of every model (`all`) adds about
            # 1 s per model of a real complex, 5 models a run (docs/performance.md)
            runtime=180 if SETTINGS.extract.shape_complementarity == "all" else 60,
        params:
            # What the job runs with (ExtractSettings, built once in common.smk): a change re-runs extraction
            # (Snakemake's params rerun trigger compares exactly this value).
            settings=SETTINGS.extract.as_dict(),
        script:
            "../scripts/extract_shard.py"

    rule merge_features:
        input:
            models=expand(f"{FEATURES}/shards/{{shard}}.models.parquet", shard=SHARDS),
            pairs=expand(f"{FEATURES}/shards/{{shard}}.pairs.parquet", shard=SHARDS),
            failed=expand(f"{FEATURES}/shards/{{shard}}.failed.tsv", shard=SHARDS),
            warnings=expand(f"{FEATURES}/shards/{{shard}}.warnings.tsv", shard=SHARDS),
            unmatched=f"{PLAN_DIR}/unmatched.tsv",
        output:
            **FEATURE_TABLES,
            warnings=f"{FEATURES}/warnings.tsv",
        log:
            f"{LOGS}/features/merge.log",
        conda:
            "../../envs/features.yaml"
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            cross_domain=config["features"]["cross_domain_profile"],
        script:
            "../scripts/merge_features.py"


rule features_summary:
    # Fails, naming failed.tsv and the most common reasons, when no pair was read: `snakemake features` then
    # stops as the steps after it would, and failed.tsv (the merge job's, which succeeded) is kept.
    input:
        pairs=FEATURE_TABLES["pairs"],
        failed=FEATURE_TABLES["failed"],
    output:
        f"{FEATURES}/summary.txt",
    log:
        f"{LOGS}/features/summary.log",
    localrule: True
    conda:
        "../../envs/features.yaml"
    script:
        "../scripts/features_summary.py"


rule features:
    input:
        **FEATURE_TABLES,
        # pairs read and failed; fails when none was read
        summary=f"{FEATURES}/summary.txt",
        # runs scored from part of their files or with Sc left NaN (warnings.tsv: pair_id, stage, note); none for
        # score tables
        warnings=[] if USE_SCORE_TABLE else f"{FEATURES}/warnings.tsv",
