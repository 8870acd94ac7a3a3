# Shared plumbing: where outputs go, and the pair plan read once when the workflow is parsed.

from snakemake.exceptions import WorkflowError

from tfbind.plan import config as tfconfig
from tfbind.errors import InputError
from tfbind.labels import read_labels
from tfbind.model import gpus_requested
from tfbind.model.pretrained import rank_model
from tfbind.plan.pairs import check_some_prediction_exists
from tfbind.plan.shards import shard_archives, write_plan
from tfbind.plan.sequences import SequenceRecord
from tfbind.settings import WorkflowSettings
from tfbind.prepare import jobs as prepare_jobs
from tfbind.prepare.running import check_template
from tfbind.prepare.tiling import check_step, plan_from_config

RESULTS = "results"
FEATURES = f"{RESULTS}/features"
PLAN_DIR = f"{FEATURES}/plan"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"

PREPARE = f"{RESULTS}/prepare"

# The domain records (job plan, pair plan and the ranking's per-domain outputs), parsed once.
try:
    DOMAINS = tfconfig.domain_records(config)
except InputError as exc:
    raise WorkflowError(f"input error: {exc}") from None

# Prepare (config tf_proteins): the tiles and the job batches are planned here, so that the tiles can be
# the TF records of the later stages before their FASTA file is written (when tf_fasta is not set, it
# is the prepared tiles.fasta), and each batch's job list is rewritten only when its jobs change.
PREPARE_ENABLED = bool(config.get("tf_proteins"))
STRUCTURE = config["structure_prediction"]
TF_RECORDS = None
PREPARE_BATCHES = []
PREPARE_OUTPUTS = {
    "tiles_fasta": f"{PREPARE}/tiles.fasta",
    "tiles": f"{PREPARE}/tiles.tsv",
    "jobs": f"{PREPARE}/jobs.tsv",
    "colabfold": f"{PREPARE}/colabfold/jobs.csv",
    "alphafold3": f"{PREPARE}/alphafold3",
    "alphafold_server": f"{PREPARE}/alphafold_server",
    "alphapulldown": f"{PREPARE}/alphapulldown",
    "nonstandard": f"{PREPARE}/nonstandard_residues.tsv",
}
if PREPARE_ENABLED:
    try:
        check_step(config["tiling"]["window"], config["tiling"].get("step"))
    except InputError as exc:
        raise WorkflowError(f"config error: {exc}") from None
    try:
        TILE_PLAN = plan_from_config(config)
        if STRUCTURE["command"]:
            check_template(STRUCTURE["command"])
            PREPARE_BATCHES = prepare_jobs.write_batches(
                prepare_jobs.plan_jobs(TILE_PLAN.tiles, DOMAINS, STRUCTURE["batch_size"]),
                f"{PREPARE}/batches",
            )
    except (InputError, ValueError) as exc:
        raise WorkflowError(f"input error: {exc}") from None
    PREPARE_TARGETS = dict(PREPARE_OUTPUTS, runs=[f"{PREPARE}/runs/{b}.tsv" for b in PREPARE_BATCHES])
    if STRUCTURE["command"] and not config.get("predictions_dir") and not config.get("pairs"):
        config["predictions_dir"] = STRUCTURE["outdir"]  # where the runs of the command land
    if not config.get("tf_fasta"):
        config["tf_fasta"] = PREPARE_OUTPUTS["tiles_fasta"]
        TF_RECORDS = {t.tf_id: SequenceRecord(t.tf_id, t.sequence, t.tf_id, t.gene) for t in TILE_PLAN.tiles}

# A score table replaces the AlphaFold runs: no pair plan, no shards.
USE_SCORE_TABLE = bool(config.get("score_table"))

# Without prepare the later stages are always planned (a missing input is an error). With prepare they
# are planned once there is something to read: a pairs table, a score table, or an existing predictions_dir;
# before that, the workflow is the prepare stage alone.
FEATURES_PLANNED = not PREPARE_ENABLED or bool(
    USE_SCORE_TABLE
    or config.get("pairs")
    or (config.get("predictions_dir") and Path(config["predictions_dir"]).is_dir())
)
PREPARE_NOTE = (
    "features are not planned yet (no pairs table, score table or existing predictions_dir "
    f"{config.get('predictions_dir') or '(not set)'})"
)
if FEATURES_PLANNED and not USE_SCORE_TABLE:
    try:
        PLAN = tfconfig.plan_pairs(config, tfs=TF_RECORDS)
        # A pairs table none of whose runs exists reads no pair: say so now, not after an empty run. Not
        # when the runs are still to be written (the demo generates them; prepare's command predicts them).
        if config.get("pairs") and not config["demo"]["generate"] and not PREPARE_ENABLED:
            check_some_prediction_exists(PLAN.pairs, config["pairs"], config.get("predictions_dir"))
    except (InputError, ValueError) as exc:
        if not PREPARE_ENABLED or config.get("pairs"):
            raise WorkflowError(f"input error: {exc}") from None
        # A predictions_dir with nothing readable yet (e.g. a batch failed) must not block re-running
        # prepare: the workflow stays the prepare stage and says why.
        FEATURES_PLANNED = False
        PREPARE_NOTE = f"features are not planned: {exc}"
# The shard rules are defined for every config (Snakefile: which rules are conditional); with no pair plan
# they have no shard and no archive to make.
SHARDS, ARCHIVES, SHARD_ARCHIVES = [], {}, {}
if not FEATURES_PLANNED:
    print(
        f"prepare: {PREPARE_NOTE}: the workflow is the prepare stage",
        file=sys.stderr,
    )
elif not USE_SCORE_TABLE:
    for _note in PLAN.notes:
        print(_note, file=sys.stderr)
    # One manifest per shard, rewritten only when its pairs change, so that unchanged shards stay
    # up to date when pairs are appended to a screen.
    SHARDS = write_plan(PLAN, PLAN_DIR, config["features"]["shard_size"])
    # Zip archives in predictions_dir (extraction folder name -> zip) and the ones each shard reads.
    ARCHIVES = PLAN.archives
    SHARD_ARCHIVES = shard_archives(
        PLAN.pairs["prediction"].tolist(), ARCHIVES, config["features"]["shard_size"]
    )


wildcard_constraints:
    shard=r"shard_\d{5}",
    batch=r"batch_\d{5}",
    archive=r"[A-Za-z0-9_.-]+",


# Training needs labels; its config is validated (and completed with defaults) when the workflow is parsed.
TRAIN_ENABLED = bool(config.get("labels"))
# The labels table is checked here too, so that a bad label (or a file that is not a labels table) stops the
# run at start-up with one line naming the file and line, not in a job after the features are extracted.
if TRAIN_ENABLED:
    try:
        read_labels(config["labels"])
    except InputError as exc:
        raise WorkflowError(f"input error: {exc}") from None
# Every stage's settings, built once from the validated config (the schema filled its defaults) with the
# cross-key rules the schema cannot say (tfbind.settings): rules hand them to their scripts as params.
try:
    SETTINGS = WorkflowSettings.from_config(config)
except (InputError, ValueError) as exc:
    raise WorkflowError(f"config error: {exc}") from None
# GPUs asked by train_model and cv_fold (resources gpu=...): none for the default feature model.
TRAIN_GPUS = gpus_requested(SETTINGS.train)


def demo_runs(wildcards):
    """A shard's generated demo runs are an input of its extraction when the demo generates them."""
    return [f"{RESULTS}/demo/generated/{wildcards.shard}.tsv"] if config["demo"]["generate"] else []


def prepare_targets(wildcards):
    """The prepare target's inputs; without tf_proteins a clear error instead of 'no rule to produce'."""
    if not PREPARE_ENABLED:
        raise WorkflowError(
            "prepare: config tf_proteins is not set (a FASTA of full-length TF proteins); see README "
            "'From proteins to AlphaFold jobs' and config/prepare_example.yaml"
        )
    return PREPARE_TARGETS


def tf_proteins_input(wildcards):
    """Rule prepare_jobs' TF proteins FASTA (config tf_proteins), or prepare_targets' error."""
    prepare_targets(wildcards)
    return config["tf_proteins"]


def shard_archives_input(wildcards):
    """The extracted zip archives (results/archives/<name>) a shard's pairs are read from."""
    return SHARD_ARCHIVES.get(wildcards.shard, [])


def labels_input(wildcards):
    """The labels table of the rules that train or score against labels; without config labels a clear error
    instead of a missing input (those rules are defined for every config, and asked for only with labels)."""
    if not TRAIN_ENABLED:
        raise WorkflowError(
            "config labels is not set: training, evaluation and calibration need a labels table (config/README.md)"
        )
    return config["labels"]


def rank_model_input(wildcards):
    """The ranking's model file; asked for (model_scores.tsv) only when there is one (RANK_MODEL, rank.smk)."""
    if not RANK_MODEL:
        raise WorkflowError(f"rank_model_scores: no model to score with: {RANK_MODEL_NOTE}")
    return RANK_MODEL
