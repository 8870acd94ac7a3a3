"""Reader for classic AlphaFold2 / AlphaFold-Multimer / AlphaPulldown output folders.

Files read, per run folder:

- ``ranking_debug.json``: ``order`` (model names, best first) gives the ranking: model_rank i is
  ``order[i]``. ``iptm`` (AlphaPulldown writes it) -> iptm; ``iptm+ptm`` (multimer: AlphaFold's 0.8 ipTM +
  0.2 pTM) -> ranking_confidence. A monomer's ``plddts`` (mean pLDDT) is not a ranking confidence of that
  definition: its models get NaN (``tfbind.readers.model_scores``).
- coordinates: ``ranked_<i>.pdb``, else ``relaxed_<model>.pdb``, else ``unrelaxed_<model>.pdb``.
  pLDDT is the B-factor of the CB atom (CA for Gly).
- PAE: ``pae_<model>.json`` (``[{"predicted_aligned_error": [[...]], ...}]``), else the
  ``predicted_aligned_error`` of ``result_<model>.pkl`` / ``.pkl.gz`` / ``.pkl.xz``.
- ``result_<model>.pkl*`` when present (loaded with the restricted unpickler, once per model):
  ``ptm``, and ``iptm`` where ranking_debug lacks it; without ``iptm+ptm`` the ranking confidence is
  0.8 ipTM + 0.2 pTM of the pickle's scores (its own ``ranking_confidence`` key is not read: a monomer's
  is mean pLDDT).
- pTM without a pickle (or a pickle without ``ptm``): derived from ``ranking_debug.json`` as
  ``(iptm+ptm - 0.8 iptm) / 0.2``; a derived value outside 0..1 beyond float rounding is NaN with a
  ``RunWarning`` (``model_scores.ptm_from_ranking_confidence``). A pickle's own ``ptm`` wins.

Without ``ranking_debug.json`` (users who keep only the models and the PAE) the run is still scored:
``ranked_<i>.pdb`` is model_rank i, and its model (whose PAE file to read) is the one whose per-residue
pLDDT (``confidence_<model>.json`` ``confidenceScore``, else the result pickle's ``plddt``) equals the
B-factors of ``ranked_<i>.pdb`` (AlphaFold writes pLDDT as the B-factor; the ranked file is that model,
relaxed or not); a run with a single model needs no matching. ipTM, pTM and the ranking confidence are
then NaN unless the result pickle holds ipTM and pTM, and the pair gets a note (``warnings.tsv``). Only a ranked
model whose PAE cannot be found fails the run. The structures and result pickles read for this matching are
kept for scoring (of a pickle only the fields read later, not its logits), so each file is read once.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tfbind.errors import PredictionError, RunWarning
from tfbind.readers import safe_pickle
from tfbind.readers.atoms import read_atoms
from tfbind.readers.confined import run_file
from tfbind.readers.context import ReadContext, context_or_new
from tfbind.readers.json_arrays import load_json_arrays
from tfbind.readers.model_scores import ptm_from_ranking_confidence, ranking_confidence
from tfbind.readers.prediction import ModelPlan, ModelPrediction, from_structure
from tfbind.readers.structure import (
    as_matrix,
    atom_table,
    check_pae,
    load_json,
    read_structure,
    require,
    residue_table,
    to_float,
)

FORMAT = "alphafold2"
_PICKLE_SUFFIXES = (".pkl", ".pkl.gz", ".pkl.xz")


@dataclass(frozen=True)
class AlphaFold2Plan(ModelPlan):
    """A ranked model's files and its ``ranking_debug.json`` scores (NaN and ``debug`` None without it)."""

    pae_json: Path | None
    pickle: Path | None
    iptm: float
    ranking_confidence: float
    debug: Path | None


def _first_existing(paths: list[Path]) -> Path | None:
    return next((p for p in paths if p.is_file()), None)


def _plan(folder: Path, context: ReadContext) -> tuple[list[AlphaFold2Plan], dict[int, dict]]:
    """(the plan of every ranked model: name, rank, files and ranking_debug scores; what was already read of
    a model to plan it, by rank: see :func:`_plan_without_ranking`). No large file read otherwise."""
    debug_path = folder / "ranking_debug.json"
    if not debug_path.exists() and any(folder.glob("ranked_*.pdb")):
        return _plan_without_ranking(folder, context)
    debug = load_json(debug_path, context.max_bytes)
    order = require(debug, "order", debug_path)
    if not isinstance(order, list) or not order:
        raise PredictionError(f"{debug_path}: 'order' lists no models")
    iptms = debug.get("iptm", {}) or {}
    # only a multimer's iptm+ptm is the ranking confidence; a monomer's "plddts" is mean pLDDT (left out)
    confidences = debug.get("iptm+ptm", {}) or {}
    if not isinstance(iptms, dict) or not isinstance(confidences, dict):
        raise PredictionError(f"{debug_path}: 'iptm' / 'iptm+ptm' are not maps of model name to score")
    plan = []
    for rank, model in enumerate(order):
        # every file named from the model name stays in the run folder (readers.confined): a name such as
        # "../elsewhere/model" would have the run scored with another run's files
        def own(name: str) -> Path:
            return run_file(folder, name, debug_path, f"order[{rank}]", model)  # noqa: B023 (used at once)

        structure = _first_existing([own(f"ranked_{rank}.pdb"), own(f"relaxed_{model}.pdb"),
                                     own(f"unrelaxed_{model}.pdb")])
        if structure is None:
            raise PredictionError(
                f"{folder}: no structure for model {model} (looked for ranked_{rank}.pdb, "
                f"relaxed_{model}.pdb, unrelaxed_{model}.pdb)"
            )
        pae_json = own(f"pae_{model}.json")
        pickle_path = _first_existing([own(f"result_{model}{s}") for s in _PICKLE_SUFFIXES])
        if not pae_json.is_file() and pickle_path is None:
            raise PredictionError(
                f"{folder}: no PAE for model {model} (looked for pae_{model}.json and "
                f"result_{model}.pkl[.gz|.xz])"
            )
        plan.append(
            AlphaFold2Plan(
                model=model,
                rank=rank,
                structure=structure,
                pae_json=pae_json if pae_json.is_file() else None,
                pickle=pickle_path,
                iptm=to_float(iptms.get(model), f"{debug_path}: model {model}: iptm"),
                ranking_confidence=to_float(confidences.get(model), f"{debug_path}: model {model}: ranking confidence"),
                debug=debug_path,
            )
        )
    return plan, {}


_RANKED = re.compile(r"^ranked_(\d+)\.pdb$")
_PAE_JSON = re.compile(r"^pae_(.+)\.json$")
_PICKLE = re.compile(r"^result_(.+?)\.pkl(\.gz|\.xz)?$")
# pLDDT written as a PDB B-factor has 2 decimals; confidence_<model>.json keeps 2 as well.
_PLDDT_TOLERANCE = 0.011


#: The keys of a result pickle that :func:`_load_model` reads (the pickle's logits are left behind).
_PICKLE_KEYS = ("ptm", "iptm", "predicted_aligned_error")


def _model_plddt(folder: Path, model: str, files: dict, context: ReadContext) -> np.ndarray | None:
    """The model's per-residue pLDDT (confidence JSON, else its result pickle, whose fields read later are
    kept in ``files["pickle_data"]``: the pickle is read once)."""
    conf = run_file(folder, f"confidence_{model}.json", files.get("pae_json") or files.get("pickle"), "model name",
                    model)
    if conf.is_file():
        data = load_json(conf, context.max_bytes)
        values = data.get("confidenceScore") if isinstance(data, dict) else None
    elif files.get("pickle") is not None:
        result = safe_pickle.load(files["pickle"], context.max_bytes)
        if isinstance(result, dict):
            files["pickle_data"] = {k: result[k] for k in _PICKLE_KEYS if k in result}
        else:
            files["pickle_data"] = result  # refused with the file named when the model is read
        values = result.get("plddt") if isinstance(result, dict) else None
    else:
        return None
    try:
        return np.asarray(values, dtype=float).ravel() if values is not None else None
    except (TypeError, ValueError):
        return None


def _plan_without_ranking(folder: Path, context: ReadContext) -> tuple[list[AlphaFold2Plan], dict[int, dict]]:
    """Plan a run that kept ``ranked_<i>.pdb`` and the PAE files but not ``ranking_debug.json``; what was read
    to match a ranked model to its PAE (its parsed structure, its pickle's fields), by rank, is kept for
    :func:`_load_model` so that each file is read once."""
    ranked = sorted(
        ((int(m.group(1)), p) for p in folder.iterdir() if (m := _RANKED.match(p.name)) and p.is_file()),
        key=lambda t: t[0],
    )
    models: dict[str, dict] = {}
    for p in sorted(folder.iterdir()):
        if (m := _PAE_JSON.match(p.name)) and p.is_file():
            models.setdefault(m.group(1), {})["pae_json"] = p
        elif (m := _PICKLE.match(p.name)) and p.is_file():
            models.setdefault(m.group(1), {}).setdefault("pickle", p)
    if not models:
        raise PredictionError(
            f"{folder}: no ranking_debug.json and no PAE (pae_<model>.json or result_<model>.pkl) for the "
            "ranked_*.pdb files: the run cannot be scored"
        )
    plddts = {}
    plan, preloaded = [], {}
    for rank, structure in ranked:
        parsed = None
        if len(models) == 1 and len(ranked) == 1:
            model = next(iter(models))
        else:
            st = read_structure(structure, context.max_bytes)
            atoms = atom_table(st)
            parsed = st, atoms, residue_table(st, structure, atoms, context)  # kept: read once, at plan and load
            bfactors = np.asarray(parsed[2].cb_bfactor, dtype=float)
            hits = []
            for name, files in models.items():
                if name not in plddts:
                    plddts[name] = _model_plddt(folder, name, files, context)
                ref = plddts[name]
                same_shape = ref is not None and ref.shape == bfactors.shape
                if same_shape and np.all(np.abs(ref - bfactors) <= _PLDDT_TOLERANCE):
                    hits.append(name)
            if len(hits) != 1:
                raise PredictionError(
                    f"{folder}: no ranking_debug.json, and {structure.name} matches "
                    f"{'no model' if not hits else 'several models (' + ', '.join(hits) + ')'} by pLDDT "
                    "(confidence_<model>.json or result pickles): its PAE cannot be told"
                )
            model = hits[0]
        files = models[model]
        plan.append(AlphaFold2Plan(model=model, rank=rank, structure=structure, pae_json=files.get("pae_json"),
                                   pickle=files.get("pickle"), iptm=float("nan"), ranking_confidence=float("nan"),
                                   debug=None))
        preloaded[rank] = dict(parsed=parsed, pickle_data=files.get("pickle_data"))
    matched = ", ".join(f"{i.rank}={i.model}" for i in plan)
    warnings.warn(RunWarning(
        f"{folder}: no ranking_debug.json; {len(plan)} ranked models scored from their structures and PAE "
        f"(ranked_<i>.pdb = model, matched by pLDDT: {matched}); "
        "ipTM, pTM and ranking confidence are NaN unless a result pickle holds ipTM and pTM"
    ), stacklevel=2)
    return plan, preloaded


def _pae_from_json(path: Path, n_res: int, structure: Path, context: ReadContext, model: str) -> np.ndarray:
    data = load_json_arrays(path, context.max_bytes)  # the matrix as an array, see json_arrays
    if isinstance(data, list):
        if not data:
            raise PredictionError(f"{path}: empty PAE list")
        data = data[0]
    return as_matrix(require(data, "predicted_aligned_error", path), path, size=n_res, size_of=str(structure),
                     model=model)


def _load_model(item: AlphaFold2Plan, context: ReadContext, preloaded: dict) -> ModelPrediction:
    """One model; ``preloaded``: what planning already read of it (parsed structure, pickle fields), if any."""
    if preloaded.get("parsed") is not None:  # read when the run was planned (matching models by pLDDT)
        st, atoms, table = preloaded["parsed"]
    else:
        st, atoms = read_atoms(item.structure, context)  # gemmi, or the run's layout and numpy coordinates
        table = residue_table(st, item.structure, atoms, context)
    iptm, ptm, conf = item.iptm, float("nan"), item.ranking_confidence
    sources = {"iptm": item.debug, "ranking_confidence": item.debug} if item.debug else {}
    result = None
    if item.pickle is not None:
        pkl = item.pickle
        result = preloaded.get("pickle_data")
        if result is None:
            result = safe_pickle.load(pkl, context.max_bytes)
        if not isinstance(result, dict):
            raise PredictionError(f"{pkl}: expected a dict, got {type(result).__name__}")
        ptm = to_float(result.get("ptm"), f"{pkl}: ptm")
        sources["ptm"] = pkl
        if np.isnan(iptm):
            iptm, sources["iptm"] = to_float(result.get("iptm"), f"{pkl}: iptm"), pkl
        if np.isnan(conf):
            # AlphaFold's own formula on the pickle's scores (NaN for a monomer, which has no ipTM)
            conf, sources["ranking_confidence"] = ranking_confidence(iptm, ptm), pkl
    if np.isnan(ptm) and item.debug is not None:
        ptm, note = ptm_from_ranking_confidence(item.ranking_confidence, iptm, f"{item.debug}: model {item.model}")
        sources["ptm"] = item.debug
        if note:
            warnings.warn(RunWarning(note), stacklevel=2)
    if item.pae_json is not None:
        pae_path = item.pae_json
        pae = _pae_from_json(pae_path, table.n_residues, item.structure, context, item.model)
    else:
        pae_path = item.pickle
        pae = as_matrix(require(result, "predicted_aligned_error", pae_path), pae_path,
                        size=table.n_residues, size_of=str(item.structure), model=item.model)
    check_pae(pae, table.n_residues, pae_path, item.structure)
    sources["pae"] = pae_path
    return from_structure(item, FORMAT, table, st, atoms, plddt=table.cb_bfactor, pae=pae, iptm=iptm, ptm=ptm,
                          ranking_confidence=conf, structure_path=item.structure, sources=sources)


def read_run(folder: Path, context: ReadContext | None = None) -> Iterator[ModelPrediction]:
    """Yield the models of an AlphaFold2 run folder, top-ranked first (files are checked up front).
    ``context``: the byte limit and the layouts kept between models (None: a fresh one)."""
    folder, context = Path(folder), context_or_new(context)
    plan, preloaded = _plan(folder if folder.is_dir() else folder.parent, context)
    # what planning read of a model is dropped once the model is built
    return (_load_model(item, context, preloaded.pop(item.rank, {})) for item in plan)
