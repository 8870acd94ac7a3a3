"""Turning the validated Snakemake config into the package's inputs and settings.

Relative paths in the config are relative to Snakemake's working directory (``-d``), which is the
process's current directory when this runs.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..escape import CONTROL_RE
from .archives import archive_limit_bytes
from .discovery import discover_pairs
from .ids import check_id
from .pairs import PairPlan, read_pairs_table, with_sequences
from .sequences import SequenceRecord, read_fasta

#: Config keys (dotted) that hold paths. They reach file names, the pairs table and the report's text
#: (workflow/report/workflow.rst prints the input paths in a literal block, which a line break would end).
PATH_KEYS = ("tf_fasta", "tf_proteins", "domain_fasta", "pairs", "predictions_dir", "score_table", "labels",
             "predict.pairs", "predict.model_file", "tiling.regions", "structure_prediction.outdir")
#: Config keys that name model scopes or a shipped model: folder and file names under results/ and
#: resources/models/ (results/models/<scope>/model.pt, results/predictions/<scope>.tsv).
SCOPE_KEYS = ("models", "predict.model", "predict.pretrained")


def _get(config: dict, dotted: str):
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def check_config_values(config: dict) -> None:
    """``InputError`` naming the key and value when a config path holds a control character (a tab, a line
    break: it would split the pairs table's rows, and end the literal block the report prints it in, so that
    the rest of the value would be read as reStructuredText markup such as a ``raw`` HTML directive), or when
    a model scope (``models``, ``predict.model``; ``predict.pretrained``) is not a plain identifier: it
    becomes a folder name, and ``../x`` would write outside the working directory.

    Run before the schema is validated, so that these two mistakes get this message; values of another type
    are left to the schema."""
    for key in PATH_KEYS:
        value = _get(config, key)
        if isinstance(value, str) and CONTROL_RE.search(value):
            # repr writes every control character as an escape: the message stays one line
            raise InputError(f"config {key}: {value!r} holds a control character (a tab or a line break); "
                             "rename the file or folder")
    for key in SCOPE_KEYS:
        value = _get(config, key)
        values = value if isinstance(value, list) else [value]
        for item in values:
            if not isinstance(item, str) or (key == "predict.pretrained" and item in ("", "none")):
                continue  # another type: the schema says so; no pretrained model: nothing to name
            check_id(item, "model scope" if key != "predict.pretrained" else "pretrained model name",
                     f"config {key}")


#: (resolved path, mtime, size) -> records of each domain FASTA read by this process (domain_records).
_DOMAIN_RECORDS: dict[tuple, dict[str, SequenceRecord]] = {}


def domain_records(config: dict) -> dict[str, SequenceRecord]:
    """The records of ``config["domain_fasta"]`` (``read_fasta``; ``InputError`` on bad input), parsed once
    per file version and process: the Snakefile needs them for the job plan, the pair plan and the
    ranking's outputs at every start. Do not modify the returned dict (it is shared)."""
    path = Path(config["domain_fasta"])
    try:
        stat = path.stat()
    except OSError:  # not there: read_fasta says so
        return read_fasta(path, "domain")
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _DOMAIN_RECORDS:
        _DOMAIN_RECORDS[key] = read_fasta(path, "domain")
    return _DOMAIN_RECORDS[key]


def plan_pairs(config: dict, tfs: dict[str, SequenceRecord] | None = None) -> PairPlan:
    """Read the FASTA files and the pairs table (or discover pairs); raise ``InputError`` on bad input.

    ``tfs``: the TF records when they are known without reading ``tf_fasta`` (the tiles planned by the
    prepare stage, whose FASTA file is written by a rule).
    """
    tfs = tfs if tfs is not None else read_fasta(config["tf_fasta"], "tf")
    domains = domain_records(config)
    predictions_dir = config.get("predictions_dir") or None
    if config.get("pairs"):
        plan = read_pairs_table(config["pairs"], tfs, domains, predictions_dir)
    elif predictions_dir:
        limit = archive_limit_bytes(config.get("features", {}).get("max_archive_mb"))
        plan = discover_pairs(predictions_dir, tfs, domains, max_archive_bytes=limit)
    else:
        raise ValueError("config: set 'pairs' (a pairs TSV) or 'predictions_dir' (folders {domain}_and_{tf})")
    plan.pairs = with_sequences(plan.pairs, tfs, domains)
    return plan
