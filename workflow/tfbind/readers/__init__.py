"""Readers that turn one AlphaFold run into ``ModelPrediction`` objects, whatever wrote it.

Public API::

    detect_format(path) -> "alphafold2" | "colabfold" | "alphafold3"
    read_run(path, fmt=None, context=None) -> Iterator[ModelPrediction]   # model_rank 0, 1, ... lazily
    ReadContext(max_bytes)                                   # per-run reading state (readers.context)
    safe_pickle.load(path) / safe_pickle.loads(data)         # restricted unpickler

``path`` is a run folder, or one file of the run (its folder is then the run; for folders holding
several ColabFold / AlphaFold Server jobs the file selects the job). Every problem (missing files,
truncated JSON, PAE/structure size mismatch, missing keys, no models) raises ``PredictionError``
naming the file. See the format modules for which files are read and how models are ranked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tfbind.errors import PredictionError
from tfbind.readers import alphafold2, alphafold3, colabfold, safe_pickle
from tfbind.readers.context import ReadContext, context_or_new
from tfbind.readers.prediction import ModelPrediction

FORMATS = ("alphafold2", "colabfold", "alphafold3")
_READERS = {"alphafold2": alphafold2.read_run, "colabfold": colabfold.read_run, "alphafold3": alphafold3.read_run}

_AF3_FILE = re.compile(
    r"(^|_)(model\.cif|(summary_)?confidences\.json|ranking_scores\.csv)$|_(full_data|summary_confidences)_\d+\.json$"
    r"|_model_\d+\.cif$"
)
_AF2_FILE = re.compile(
    r"^(ranking_debug\.json|ranked_\d+\.pdb|(un)?relaxed_.+\.pdb|pae_.+\.json|result_.+\.pkl(\.gz|\.xz)?)$"
)
_AF3_SERVER_MODEL = re.compile(r"_model_\d+\.cif$")
_COLABFOLD_FILE = re.compile(r"_scores_.+\.json$")
_COLABFOLD_MODEL = re.compile(r".+_(un)?relaxed_rank_\d+_.+\.(pdb|cif)$")

__all__ = ["FORMATS", "detect_format", "read_run", "safe_pickle", "ModelPrediction", "PredictionError", "ReadContext"]


def _format_of_file(name: str) -> str | None:
    if _COLABFOLD_FILE.search(name) or _COLABFOLD_MODEL.search(name):
        return "colabfold"
    if _AF2_FILE.match(name):
        return "alphafold2"
    if _AF3_FILE.search(name):
        return "alphafold3"
    return None


def _formats_of_folder(folder: Path) -> set[str]:
    found = set()
    if (folder / "ranking_debug.json").is_file() or any(folder.glob("ranked_*.pdb")):
        found.add("alphafold2")
    if any(folder.glob("*_scores_*.json")):
        found.add("colabfold")
    if (
        any(folder.glob("*_full_data_*.json"))
        or any(folder.glob("*summary_confidences*.json"))
        # an AlphaFold Server model (a run kept without its confidence files fails in the reader); not
        # ColabFold's <job>_unrelaxed_..._model_1_seed_000.cif, which the glob alone would match too
        or any(_AF3_SERVER_MODEL.search(p.name) for p in folder.glob("*_model_*.cif"))
        or any(folder.glob("*model.cif"))
        or any(d.is_dir() and re.match(r"^seed-\d+_sample-\d+$", d.name) for d in folder.iterdir())
    ):
        found.add("alphafold3")
    return found


def detect_format(path: Path) -> str:
    """Which predictor wrote the run at ``path`` (folder or file); ``PredictionError`` when unclear."""
    path = Path(path)
    if not path.exists():
        raise PredictionError(f"{path}: does not exist")
    if path.is_file():
        fmt = _format_of_file(path.name)
        if fmt is not None:
            return fmt
        path = path.parent
    found = _formats_of_folder(path)
    if len(found) == 1:
        return found.pop()
    if not found:
        raise PredictionError(f"{path}: cannot tell the AlphaFold output format (no known result files)")
    raise PredictionError(f"{path}: ambiguous output format, files of {', '.join(sorted(found))} found")


def read_run(path: Path, fmt: str | None = None, max_bytes: int | None = None,
             context: ReadContext | None = None) -> Iterator[ModelPrediction]:
    """Yield every ranked model of one run, top-ranked first (model_rank 0, 1, ...), one at a time.

    ``fmt`` is one of ``FORMATS``; ``None`` detects it. Files are located (and ranked) when this is
    called, so missing files fail early; each model's large files are read when it is yielded.
    ``context`` (:class:`~tfbind.readers.context.ReadContext`) holds the cap on the decompressed size of every
    file read (``tfbind.readers.bounded``) and the layouts the models of a run share; a caller reading many
    runs (an extraction shard) passes one; None: a fresh one per call, with ``max_bytes`` (default
    ``features.max_input_mb``'s default) as its cap. Every number is range-checked (``tfbind.ranges``).
    """
    if context is not None and max_bytes is not None and max_bytes != context.max_bytes:
        raise ValueError(f"read_run: max_bytes {max_bytes} given with a context of max_bytes {context.max_bytes}")
    path = Path(path)
    if not path.exists():
        raise PredictionError(f"{path}: does not exist")
    fmt = fmt or detect_format(path)
    if fmt not in _READERS:
        raise PredictionError(f"{path}: unknown format {fmt!r} (expected one of {', '.join(FORMATS)})")
    return _READERS[fmt](path, context_or_new(context, max_bytes))
