# Prepare: full-length TF proteins (config tf_proteins) -> tiles -> AlphaFold job inputs for every
# (domain, tile) pair; with structure_prediction.command, also the runs, one batch of jobs per job.
# The tiles and batches are planned in common.smk when the workflow is parsed.


rule prepare_jobs:
    input:
        proteins=tf_proteins_input,
        domains=config["domain_fasta"],
        regions=[config["tiling"]["regions"]] if config["tiling"].get("regions") else [],
    output:
        tiles_fasta=PREPARE_OUTPUTS["tiles_fasta"],
        tiles=PREPARE_OUTPUTS["tiles"],
        jobs=PREPARE_OUTPUTS["jobs"],
        colabfold=PREPARE_OUTPUTS["colabfold"],
        alphafold3=directory(PREPARE_OUTPUTS["alphafold3"]),
        alphafold_server=directory(PREPARE_OUTPUTS["alphafold_server"]),
        alphapulldown=directory(PREPARE_OUTPUTS["alphapulldown"]),
        nonstandard=PREPARE_OUTPUTS["nonstandard"],
    log:
        f"{LOGS}/prepare/prepare_jobs.log",
    conda:
        "../../envs/features.yaml"
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        # A change of the tiling or of the job settings rewrites the inputs (params rerun trigger).
        tiling=config["tiling"],
        seeds=STRUCTURE["seeds"],
        batch_size=STRUCTURE["batch_size"],
    script:
        "../scripts/prepare_jobs.py"


rule run_structure_prediction:
    input:
        # The batch's own job list (written at parse time, rewritten only when its jobs change):
        # adding proteins never re-runs finished batches.
        batch=f"{PREPARE}/batches/{{batch}}.tsv",
    output:
        f"{PREPARE}/runs/{{batch}}.tsv",
    log:
        f"{LOGS}/prepare/{{batch}}.log",
    benchmark:
        f"{BENCHMARKS}/prepare/{{batch}}.tsv"
    conda:
        "../../envs/features.yaml"
    threads: STRUCTURE["threads"]
    resources:
        gpu=1,
        mem_mb=32000,
        runtime=1440,
    params:
        # a function: Snakemake would otherwise read {input} and {outdir} as its own wildcards
        command=lambda wildcards: STRUCTURE["command"],
        format=STRUCTURE["format"],
        outdir=STRUCTURE["outdir"],
        seeds=STRUCTURE["seeds"],
        workdir=f"{PREPARE}/runs/inputs",
    script:
        "../scripts/run_structure_prediction.py"


rule prepare:
    input:
        unpack(prepare_targets),
