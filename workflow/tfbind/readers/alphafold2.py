"""Reader for classic AlphaFold2 / AlphaFold-Multimer / AlphaPulldown output folders.

Files read, per run folder:

- ``ranking_debug.json``: ``order`` (model names, best first) gives the ranking: model_rank i is
  ``order[i]``. ``iptm`` (multimer) -> iptm; ``iptm+ptm`` (multimer) or ``plddts`` (monomer) ->
  ranking_confidence.
- coordinates: ``ranked_<i>.pdb``, else ``relaxed_<model>.pdb``, else ``unrelaxed_<model>.pdb``.
  pLDDT is the B-factor of the CB atom (CA for Gly).
- PAE: ``pae_<model>.json`` (``[{"predicted_aligned_error": [[...]], ...}]``), else the
  ``predicted_aligned_error`` of ``result_<model>.pkl`` / ``.pkl.gz`` / ``.pkl.xz``.
- ``result_<model>.pkl*`` when present (loaded with the restricted unpickler, once per model):
  ``ptm`` (only there), and ``iptm`` / ``ranking_confidence`` where ranking_debug lacks them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tfbind.errors import PredictionError
from tfbind.readers.prediction import ModelPrediction, from_structure
from tfbind.readers import safe_pickle
from tfbind.readers.bounded import DEFAULT_MAX_BYTES
from tfbind.readers.json_arrays import load_json_arrays
from tfbind.readers.structure import (
    as_matrix, atom_table, check_pae, load_json, read_structure, require, residue_table, to_float,
)

FORMAT = "alphafold2"
_PICKLE_SUFFIXES = (".pkl", ".pkl.gz", ".pkl.xz")


def _first_existing(paths: list[Path]) -> Path | None:
    return next((p for p in paths if p.is_file()), None)


def _plan(folder: Path, max_bytes: int) -> list[dict]:
    """Model name, rank, files and ranking_debug scores of every ranked model (no large file read)."""
    debug_path = folder / "ranking_debug.json"
    debug = load_json(debug_path, max_bytes)
    order = require(debug, "order", debug_path)
    if not isinstance(order, list) or not order:
        raise PredictionError(f"{debug_path}: 'order' lists no models")
    iptms = debug.get("iptm", {}) or {}
    confidences = debug.get("iptm+ptm", debug.get("plddts", {})) or {}
    if not isinstance(iptms, dict) or not isinstance(confidences, dict):
        raise PredictionError(f"{debug_path}: 'iptm' / 'iptm+ptm' are not maps of model name to score")
    plan = []
    for rank, model in enumerate(order):
        structure = _first_existing(
            [folder / f"ranked_{rank}.pdb", folder / f"relaxed_{model}.pdb", folder / f"unrelaxed_{model}.pdb"]
        )
        if structure is None:
            raise PredictionError(
                f"{folder}: no structure for model {model} (looked for ranked_{rank}.pdb, "
                f"relaxed_{model}.pdb, unrelaxed_{model}.pdb)"
            )
        pae_json = folder / f"pae_{model}.json"
        pickle_path = _first_existing([folder / f"result_{model}{s}" for s in _PICKLE_SUFFIXES])
        if not pae_json.is_file() and pickle_path is None:
            raise PredictionError(
                f"{folder}: no PAE for model {model} (looked for pae_{model}.json and "
                f"result_{model}.pkl[.gz|.xz])"
            )
        plan.append(
            dict(
                model=model,
                rank=rank,
                structure=structure,
                pae_json=pae_json if pae_json.is_file() else None,
                pickle=pickle_path,
                iptm=to_float(iptms.get(model), f"{debug_path}: model {model}: iptm"),
                ranking_confidence=to_float(confidences.get(model), f"{debug_path}: model {model}: ranking confidence"),
                debug=debug_path,
                max_bytes=max_bytes,
            )
        )
    return plan


def _pae_from_json(path: Path, n_res: int, structure: Path, max_bytes: int, model: str) -> np.ndarray:
    data = load_json_arrays(path, max_bytes)  # the matrix as an array, see json_arrays
    if isinstance(data, list):
        if not data:
            raise PredictionError(f"{path}: empty PAE list")
        data = data[0]
    return as_matrix(require(data, "predicted_aligned_error", path), path, size=n_res, size_of=str(structure),
                     model=model)


def _load_model(item: dict) -> ModelPrediction:
    max_bytes = item["max_bytes"]
    st = read_structure(item["structure"], max_bytes)
    atoms = atom_table(st)
    table = residue_table(st, item["structure"], atoms)
    iptm, ptm, conf = item["iptm"], float("nan"), item["ranking_confidence"]
    sources = {"iptm": item["debug"], "ranking_confidence": item["debug"]}
    result = None
    if item["pickle"] is not None:
        pkl = item["pickle"]
        result = safe_pickle.load(pkl, max_bytes)
        if not isinstance(result, dict):
            raise PredictionError(f"{pkl}: expected a dict, got {type(result).__name__}")
        ptm = to_float(result.get("ptm"), f"{pkl}: ptm")
        sources["ptm"] = pkl
        if np.isnan(iptm):
            iptm, sources["iptm"] = to_float(result.get("iptm"), f"{pkl}: iptm"), pkl
        if np.isnan(conf):
            conf = to_float(result.get("ranking_confidence"), f"{pkl}: ranking_confidence")
            sources["ranking_confidence"] = pkl
    if item["pae_json"] is not None:
        pae_path = item["pae_json"]
        pae = _pae_from_json(pae_path, table.n_residues, item["structure"], max_bytes, item["model"])
    else:
        pae_path = item["pickle"]
        pae = as_matrix(require(result, "predicted_aligned_error", pae_path), pae_path,
                        size=table.n_residues, size_of=str(item["structure"]), model=item["model"])
    check_pae(pae, table.n_residues, pae_path, item["structure"])
    sources["pae"] = pae_path
    return from_structure(item, FORMAT, table, st, atoms, plddt=table.cb_bfactor, pae=pae, iptm=iptm, ptm=ptm,
                          ranking_confidence=conf, structure_path=item["structure"], sources=sources)


def read_run(folder: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[ModelPrediction]:
    """Yield the models of an AlphaFold2 run folder, top-ranked first (files are checked up front)."""
    folder = Path(folder)
    plan = _plan(folder if folder.is_dir() else folder.parent, max_bytes)
    return (_load_model(item) for item in plan)
