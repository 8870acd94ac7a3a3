# Shared plumbing: where outputs go, and the pair plan read once when the workflow is parsed.

from snakemake.exceptions import WorkflowError

from tfbind.plan import config as tfconfig
from tfbind.errors import InputError
from tfbind.model import merge_config
from tfbind.plan.shards import write_plan
from tfbind.plan.archives import shard_archives

RESULTS = "results"
FEATURES = f"{RESULTS}/features"
PLAN_DIR = f"{FEATURES}/plan"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"

# A score table replaces the AlphaFold runs: no pair plan, no shards.
USE_SCORE_TABLE = bool(config.get("score_table"))

if not USE_SCORE_TABLE:
    try:
        PLAN = tfconfig.plan_pairs(config)
    except (InputError, ValueError) as exc:
        raise WorkflowError(f"input error: {exc}") from None
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
    archive=r"[A-Za-z0-9_.-]+",


# Training needs labels; its config is validated (and completed with defaults) when the workflow is parsed.
TRAIN_ENABLED = bool(config.get("labels"))
try:
    TRAIN_CONFIG = merge_config(config.get("train", {}))
except InputError as exc:
    raise WorkflowError(f"config error: {exc}") from None


def demo_runs(wildcards):
    """A shard's generated demo runs are an input of its extraction when the demo generates them."""
    return [f"{RESULTS}/demo/generated/{wildcards.shard}.tsv"] if config["demo"]["generate"] else []


def shard_archives_input(wildcards):
    """The extracted zip archives (results/archives/<name>) a shard's pairs are read from."""
    return SHARD_ARCHIVES.get(wildcards.shard, [])
