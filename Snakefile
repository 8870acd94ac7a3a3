# tfbind: TF activation-domain x co-activator domain binding from AlphaFold-Multimer screens.
#
#   snakemake --cores 2                # the embedded (synthetic) demo, end to end
#   snakemake --cores 2 features       # one stage: feature tables only
#   snakemake -s <checkout>/Snakefile -d <workdir> --configfile <workdir>/config.yaml features
#
# Rules are thin; the logic is the tfbind package in workflow/tfbind, found where this Snakefile is (a checkout, a
# module's local path, or a git source exported into the source cache): see CHECKOUT below.

import shutil
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.sourcecache import HostingProviderFile, LocalGitFile, LocalSourceFile
from snakemake.utils import min_version, validate

min_version("8.0")

# The Snakefile, the rules and the scripts import the tfbind package (workflow/tfbind); the schema, the report
# captions and the pretrained models (resources/models) are files beside it. How the workflow is used decides
# where they are:
#   - a checkout, `-s <checkout>/Snakefile`, or `module ...: snakefile: "<checkout>/Snakefile"`: the Snakefile
#     is a local file; CHECKOUT is its folder. Not `workflow.basedir`: under `module` that names the *host*
#     workflow's folder (it is the main Snakefile's), while `workflow.current_basedir` is the folder of the
#     Snakefile being parsed.
#   - `module ...: snakefile: github("owner/tfbind", path="Snakefile", tag=...)` or a `git+file://...@ref`
#     source: Snakemake reads the Snakefile, includes and scripts from a (bare) git clone through its source
#     cache, one file at a time, so nothing else of the checkout is on disk. The commit is exported once here
#     (git archive) into the source cache, <cache>/tfbind-checkouts/<commit>, and CHECKOUT is that folder:
#     the package, the schema and the models as of that commit, reused by every later run of the same commit.
#   - other remote sources (a plain https:// URL): no commit to export; a clear error.
#
# CHECKOUT/workflow goes first on sys.path of this (the main) process. Every Python `script:` job gets it
# too: Snakemake's script preamble extends the job's sys.path with the directories on the main process's
# sys.path (snakemake.script.PythonScript.generate_preamble, snakemake.common.get_snakemake_searchpaths),
# for local and cached (remote) scripts alike, in a conda env (where PYTHONPATH would be dropped,
# conda_block_conflicting_envvars) and in cluster jobs (which parse this Snakefile again). So the scripts
# need no sys.path lines of their own. The preamble appends: a tfbind *installed* in a job's environment
# would be found first there; the project installs none (pyproject.toml).
#
# The files below are included from CHECKOUT by absolute path: Snakemake 9.27 joins a path relative to a git
# source's top folder with a leading slash, which `git show` cannot find (LocalGitFile.join,
# HostingProviderFile.join), so `include: "workflow/rules/x.smk"` fails from a git source; from CHECKOUT every
# later file (rules, scripts, conda envs, captions) is a local file, wherever the Snakefile came from.


def _exported_commit(repo, ref: str, folder: str) -> Path:
    """``folder`` of commit ``ref`` of the git ``repo`` (GitPython), exported once into the source cache."""
    commit = repo.commit(ref).hexsha
    target = Path(workflow.sourcecache.cache_path) / "tfbind-checkouts" / commit
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"{commit}.", dir=target.parent))
        archive = BytesIO()
        repo.archive(archive, commit, format="tar")
        archive.seek(0)
        with tarfile.open(fileobj=archive) as tar:
            tar.extractall(tmp, filter="data")
        try:
            tmp.rename(target)  # atomic: a parallel run that got there first wins
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    return target / folder


def checkout_folder(source) -> Path:
    """The local folder holding the Snakefile whose folder is the Snakemake SourceFile ``source``."""
    if isinstance(source, LocalSourceFile):
        return Path(source.get_path_or_uri(secret_free=True)).resolve()
    if isinstance(source, LocalGitFile):
        import git

        return _exported_commit(git.Repo(source.repo_path), source.ref, source.path)
    if isinstance(source, HostingProviderFile):
        return _exported_commit(source.hosted_repo.repo, source.ref, source.path)
    raise WorkflowError(
        f"tfbind: the workflow's source {source.get_path_or_uri(secret_free=True)} is neither a local file nor "
        "a git source (github(...), gitlab(...), git+file://...@ref): its package and files cannot be read "
        "from there. Use a clone: module ...: snakefile: '<clone>/Snakefile'"
    )


CHECKOUT = checkout_folder(workflow.current_basedir)
WORKFLOW_DIR = CHECKOUT / "workflow"
RULES_DIR = WORKFLOW_DIR / "rules"
if str(WORKFLOW_DIR) not in sys.path:
    sys.path.insert(0, str(WORKFLOW_DIR))

from tfbind.errors import InputError
from tfbind.plan.config import check_config_values
from tfbind.plan.demo_inputs import check_demo_inputs
from tfbind.plan.schema import check_config


configfile: "config/config.yaml"


report: str(WORKFLOW_DIR / "report" / "workflow.rst")


# (`report:` joins even an absolute path to a git source's folder: the same leading slash as above.)
if (
    not isinstance(workflow.current_basedir, LocalSourceFile)
    and not workflow.modifier.skip_global_report_caption
):
    workflow.report_text = LocalSourceFile(str(WORKFLOW_DIR / "report" / "workflow.rst"))


# Paths with a line break and model scopes such as ../x, with a message naming the key; then the schema by the
# package: Snakemake's own schema error prints the schema and the whole offending value (5.4 MB for a YAML
# alias bomb of 10^6 items), check_config's names the key, the closest valid one and what is allowed in a
# few short lines (tfbind/plan/schema.py); then demo.generate with inputs that are not the demo's.
try:
    check_config_values(config)
    check_config(config, WORKFLOW_DIR / "schemas" / "config.schema.yaml")
    check_demo_inputs(config)
except InputError as exc:
    raise WorkflowError(f"config error: {exc}") from None

# Reached with a config check_config accepted (the same schema and defaults): it fills nothing new; should
# the two ever disagree, the first line of its error, not the schema dump.
try:
    validate(config, str(WORKFLOW_DIR / "schemas" / "config.schema.yaml"))
except WorkflowError as exc:
    raise WorkflowError(f"config error: {str(exc).splitlines()[0][:300]}") from None


include: RULES_DIR / "common.smk"
# Every rule is defined for every config, so that `--list-rules`, `--lint` and `use rule * from` see one
# workflow; the config chooses what runs through the targets (rule all's inputs, rule rank's, rule
# features'), and a rule asked for without its inputs (e.g. `train` without labels) fails with a line saying
# which key is missing (common.smk: labels_input, prepare_targets, tf_proteins_input, rank_model_input).
# One exception, features.smk: the AlphaFold route (extract_archive, extract_shard,
# merge_features) and the score-table route (import_score_table, config score_table) write the same feature
# tables, so exactly one of them is defined (both would make every feature table ambiguous).
#
# What the workflow writes when it is *parsed* (every run, `-n`, `--lint` and `--list-rules` included), each
# rewritten only when its content changes so that finished jobs stay up to date:
#   - results/features/plan/shard_NNNNN.tsv and unmatched.tsv: the pair plan cut into shards
#     (common.smk, tfbind.plan.shards.write_plan), when the features are planned and no score table is used;
#     manifests of shards that no longer exist are deleted;
#   - results/prepare/batches/batch_NNNNN.tsv: the structure-prediction job batches (common.smk,
#     tfbind.prepare.jobs.write_batches), with tf_proteins and structure_prediction.command (stale ones deleted);
# and what it changes in the in-memory config: predictions_dir (the command's outdir) and tf_fasta (the
# prepared tiles.fasta) with tf_proteins (common.smk), and the schema's defaults filled in (check_config).
include: RULES_DIR / "prepare.smk"
include: RULES_DIR / "demo.smk"
include: RULES_DIR / "features.smk"
include: RULES_DIR / "train.smk"
include: RULES_DIR / "evaluate.smk"
include: RULES_DIR / "predict.smk"
include: RULES_DIR / "rank.smk"
include: RULES_DIR / "targets.smk"


# rule all lives in targets.smk (this file defines functions, and the linter wants rules and functions apart).
# Snakemake forgets a default target set inside an included file (Workflow.include restores the one from before
# the include), so `snakemake` with no target would make nothing: name it here, unless this is a module, whose
# host workflow keeps its own default target.
if workflow.modifier.is_main_snakefile():
    workflow.default_target = "all"
