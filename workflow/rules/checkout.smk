# Where this workflow's own files are, and the one place that makes `import tfbind` work (issue 22e).
#
# The Snakefile, the rules and the scripts import the tfbind package (workflow/tfbind); the schema, the report
# captions and the pretrained models (resources/models) are files beside it. How the workflow is used decides
# where they are:
#   - a checkout, `-s <checkout>/Snakefile`, or `module ...: snakefile: "<checkout>/Snakefile"`: the Snakefile
#     is a local file; CHECKOUT is its folder. Not `workflow.basedir`: under `module` that names the *host*
#     workflow's folder (it is the main Snakefile's), while `workflow.current_basedir` is the folder of the
#     Snakefile being parsed (TFBIND_SOURCE, taken by the Snakefile before this include).
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

import shutil
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.sourcecache import HostingProviderFile, LocalGitFile, LocalSourceFile


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


CHECKOUT = checkout_folder(TFBIND_SOURCE)
WORKFLOW_DIR = CHECKOUT / "workflow"
if str(WORKFLOW_DIR) not in sys.path:
    sys.path.insert(0, str(WORKFLOW_DIR))
