"""The in-memory form of one predicted model, shared by every reader and every metric.

Readers (``tfbind.readers``) turn AlphaFold2/AlphaPulldown, ColabFold and AlphaFold3 outputs into
``ModelPrediction`` objects with one entry per *residue* (AlphaFold3 tokens already reduced), in the
order of the PAE matrix. Metrics (``tfbind.metrics``) only ever see these arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tfbind.errors import PredictionError
from tfbind.ranges import check_array, check_scalar

NAN = float("nan")


@dataclass
class ModelPrediction:
    """One ranked model of one AlphaFold run.

    Attributes
    ----------
    model_name : predictor's model name (e.g. ``model_2_multimer_v3_pred_0``, ``seed-1_sample-0``).
    model_rank : 0 for the top-ranked model of the run, 1 for the next, ...
    source_format : ``alphafold2`` | ``colabfold`` | ``alphafold3``.
    chain_ids : (n_res,) str array, chain id of every residue, in PAE order.
    residue_numbers : (n_res,) int array, author residue number (sequence id) of every residue.
    sequences : chain id -> one-letter sequence of that chain's residues, in order (X for unknown).
    cb_coords : (n_res, 3) float array, CB coordinates (CA for Gly; CA when CB is missing).
    plddt : (n_res,) float array, per-residue pLDDT on the 0-100 scale (CB atom, CA for Gly).
    pae : (n_res, n_res) float array, predicted aligned error in Angstrom (row = aligned residue).
    iptm, ptm : as the predictor reported them (AlphaFold2 runs without result pickles: pTM derived from
        ``ranking_debug.json``, see ``tfbind.readers.model_scores``); NaN when absent.
    ranking_confidence : 0.8 ipTM + 0.2 pTM for every format (AlphaFold2's ``iptm+ptm``; computed for ColabFold
        and AlphaFold3); NaN when ipTM or pTM is unknown. See ``tfbind.readers.model_scores``.
    ranking_score : AlphaFold3's own ``ranking_score`` (0.8 ipTM + 0.2 pTM + 0.5 disorder - 100 clash); NaN for
        the other formats.
    chain_pair_iptm : AlphaFold3 ``chain_pair_iptm`` as {(chain_a, chain_b): value}; empty otherwise.
    structure_path : the coordinate file of this model.
    structure : the parsed ``gemmi.Structure`` (kept so that interface metrics need not re-read it).
    atoms : optional ``tfbind.readers.structure.AtomTable`` of ``structure`` (built once by the
        readers, so that interface metrics need not walk the structure again); None = build it.
    """

    model_name: str
    model_rank: int
    source_format: str
    chain_ids: np.ndarray
    residue_numbers: np.ndarray
    sequences: dict[str, str]
    cb_coords: np.ndarray
    plddt: np.ndarray
    pae: np.ndarray
    iptm: float = NAN
    ptm: float = NAN
    ranking_confidence: float = NAN
    ranking_score: float = NAN
    chain_pair_iptm: dict[tuple[str, str], float] = field(default_factory=dict)
    structure_path: Path | None = None
    structure: object | None = None
    atoms: object | None = None

    @property
    def n_residues(self) -> int:
        return int(self.chain_ids.shape[0])

    def chain_mask(self, chain: str) -> np.ndarray:
        """Boolean mask of the residues of ``chain``."""
        return self.chain_ids == chain


@dataclass(frozen=True)
class ModelPlan:
    """One ranked model of a run as a reader planned it (files located, nothing large read): the model's name,
    its rank (0 = top) and its coordinate file. Each reader adds the files and scores of its format."""

    model: str
    rank: int
    structure: Path


def from_structure(plan: ModelPlan, source_format: str, table, structure, atoms, *, plddt: np.ndarray,
                   pae: np.ndarray, structure_path: Path, iptm: float = NAN, ptm: float = NAN,
                   ranking_confidence: float = NAN, ranking_score: float = NAN,
                   chain_pair_iptm: dict | None = None,
                   sources: dict[str, Path] | None = None) -> ModelPrediction:
    """The one way readers build a :class:`ModelPrediction`: the residue arrays from ``table`` (a
    ``tfbind.readers.structure`` residue table of ``structure``), the model's name and rank from the
    reader's ``plan`` (:class:`ModelPlan`), and the predictor's per-residue pLDDT, PAE and scalar scores.

    Every number is checked against :data:`tfbind.ranges.RANGES` (PAE, pLDDT incl. the 0-1 scale,
    ipTM, pTM, chain_pair_iptm, ranking confidence and score; NaN allowed for the scalars the format may lack);
    ``sources`` names the file each field came from (default: ``structure_path``), so that a value out
    of range raises ``PredictionError`` naming the file, the model, the field and the value.
    """
    sources = sources or {}

    def where(name: str) -> str:
        return f"{sources.get(name, structure_path)}: model {plan.model}"

    check_array(np.asarray(pae), "pae", where("pae"), PredictionError)
    check_array(np.asarray(plddt), "plddt", where("plddt"), PredictionError)
    for name, value in (("iptm", iptm), ("ptm", ptm), ("ranking_confidence", ranking_confidence),
                        ("ranking_score", ranking_score)):
        check_scalar(value, name, where(name), PredictionError)
    for (a, b), value in (chain_pair_iptm or {}).items():
        check_scalar(value, "chain_pair_iptm", f"{where('chain_pair_iptm')} chains {a}/{b}", PredictionError)
    return ModelPrediction(
        model_name=plan.model,
        model_rank=plan.rank,
        source_format=source_format,
        chain_ids=table.chain_ids,
        residue_numbers=table.residue_numbers,
        sequences=table.sequences,
        cb_coords=table.cb_coords,
        plddt=plddt,
        pae=pae,
        iptm=iptm,
        ptm=ptm,
        ranking_confidence=ranking_confidence,
        ranking_score=ranking_score,
        chain_pair_iptm=chain_pair_iptm or {},
        structure_path=structure_path,
        structure=structure,
        atoms=atoms,
    )
