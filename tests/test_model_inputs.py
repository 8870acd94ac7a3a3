"""A model input means the same quantity from every source (resources/models/ep300/inputs.md).

Per-residue pLDDT is the CB atom's (CA for Gly) for every format, and pDockQ is Bryant et al. (2022) computed the
way FoldDock / AlphaPulldown's ``calc_pdockq`` does it on a model file. Each expected value is worked out here from
the fixture files alone (PDB text, the mmCIF ``_atom_site`` loop, the JSON numbers), never from ``tfbind``'s code,
and compared with what the readers and ``confidence_metrics`` give.
"""

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from test_readers import AF3, AP, CF, CF_TAG

from tfbind.metrics import confidence_metrics
from tfbind.readers import read_run

gemmi = pytest.importorskip("gemmi")

CF_PDB = f"5b8c_unrelaxed_{CF_TAG}.pdb"


def _pdb_residues(path: Path) -> list[dict]:
    """One dict per residue in file order (chain, name, B-factors of all its atoms, CB/CA-Gly coordinates and
    B-factor), from the PDB text. A residue ends where the chain or the number+insertion field changes (the
    AlphaPulldown fixture restarts numbering inside chain C)."""
    residues, key = [], None
    for line in path.read_text().splitlines():
        if not line.startswith("ATOM"):
            continue
        this = (line[21], line[22:27])
        if this != key:
            residues.append({"chain": line[21], "name": line[17:20], "bfactors": []})
            key = this
        res = residues[-1]
        res["bfactors"].append(float(line[60:66]))
        if line[12:16].strip() == ("CA" if res["name"] == "GLY" else "CB"):
            res["xyz"] = np.array([float(line[30:38]), float(line[38:46]), float(line[46:54])])
            res["b"] = float(line[60:66])
    return residues


def _cif_residues(cif: Path, atom_plddts: list[float]) -> list[dict]:
    """One dict per residue of the mmCIF ``_atom_site`` loop (chain, name, CB/CA-Gly coordinates and its
    ``atom_plddts`` entry: the full data's atom order is the loop's)."""
    block = gemmi.cif.read(str(cif)).sole_block()
    rows = block.find("_atom_site.", ["label_atom_id", "label_comp_id", "label_asym_id", "label_seq_id",
                                       "Cartn_x", "Cartn_y", "Cartn_z"])
    assert len(rows) == len(atom_plddts)
    residues = []
    for k, row in enumerate(rows):
        atom, comp, chain, seq = row[0], row[1], row[2], row[3]
        if not residues or (residues[-1]["chain"], residues[-1]["seq"]) != (chain, seq):
            residues.append({"chain": chain, "seq": seq, "name": comp, "atom_plddts": []})
        residues[-1]["atom_plddts"].append(atom_plddts[k])
        if atom == ("CA" if comp == "GLY" else "CB"):
            residues[-1]["xyz"] = np.array([float(row[4]), float(row[5]), float(row[6])])
            residues[-1]["b"] = atom_plddts[k]
    return residues


def _folddock_pdockq(residues: list[dict], chain_a: str, chain_b: str) -> float:
    """pDockQ as FoldDock's ``calc_pdockq`` (and AlphaPulldown's ``calc_pdockq`` on ``read_pdb_pdockq``) computes
    it: CB (CA for Gly) of the two chains, contacts at <= 8 A, x = mean pLDDT of the residues in a contact (each
    once) x log10(number of contacts), 0.724 / (1 + exp(-0.052 (x - 152.611))) + 0.018; 0 without a contact
    (Bryant, Pozzati & Elofsson 2022, Nat Commun 13:1265)."""
    a = [r for r in residues if r["chain"] == chain_a]
    b = [r for r in residues if r["chain"] == chain_b]
    xyz_a, xyz_b = np.array([r["xyz"] for r in a]), np.array([r["xyz"] for r in b])
    dist = np.sqrt(((xyz_a[:, None, :] - xyz_b[None, :, :]) ** 2).sum(-1))
    contacts = np.argwhere(dist <= 8)
    if len(contacts) == 0:
        return 0.0
    plddt = [a[i]["b"] for i in sorted(set(contacts[:, 0]))] + [b[j]["b"] for j in sorted(set(contacts[:, 1]))]
    x = sum(plddt) / len(plddt) * math.log10(len(contacts))
    return 0.724 / (1 + math.exp(-0.052 * (x - 152.611))) + 0.018


# ---------------------------------------------------------------- per-residue pLDDT: the CB atom's, CA for Gly


def test_alphafold3_plddt_is_the_cb_atom_plddt_of_every_residue(fixtures_dir):
    """AlphaFold3 gives pLDDT per atom, and the atoms of one residue differ (by up to 48 here), so which atom is
    taken matters: the reader takes ``atom_plddts`` of the CB (CA for Gly) of each of the 370 residues."""
    full = json.loads((fixtures_dir / AF3 / "fold_5b8c_full_data_0.json").read_text())
    residues = _cif_residues(fixtures_dir / AF3 / "fold_5b8c_model_0.cif", full["atom_plddts"])
    model = next(read_run(fixtures_dir / AF3))
    assert model.n_residues == len(residues) == 370
    assert sum(r["name"] == "GLY" for r in residues) == 29  # the CA branch is exercised
    assert np.array_equal(model.plddt, [r["b"] for r in residues])
    assert np.allclose(model.cb_coords, [r["xyz"] for r in residues])
    spread = max(max(r["atom_plddts"]) - min(r["atom_plddts"]) for r in residues)
    assert spread > 40  # a residue's atoms disagree: another atom would give other numbers


@pytest.mark.parametrize("run, structure", [(CF, CF_PDB), (AP, "ranked_0.pdb")])
def test_alphafold2_and_colabfold_plddt_is_the_cb_bfactor(fixtures_dir, run, structure):
    """AlphaFold2 and ColabFold write one pLDDT per residue as the B-factor of all its atoms (checked: no residue
    has two values), so the CB atom's B-factor is the residue's pLDDT and agrees with the predictor's own
    per-residue list (ColabFold's scores ``plddt``, AlphaFold2's ``confidence_<model>.json``, both 2 decimals)."""
    residues = _pdb_residues(fixtures_dir / run / structure)
    assert all(max(r["bfactors"]) == min(r["bfactors"]) for r in residues)
    model = next(read_run(fixtures_dir / run))
    assert np.array_equal(model.plddt, [r["b"] for r in residues])
    if run == CF:
        own = json.loads(next((fixtures_dir / CF).glob("*_scores_*.json")).read_text())["plddt"]
    else:
        own = json.loads((fixtures_dir / AP / f"confidence_{model.model_name}.json").read_text())["confidenceScore"]
    assert np.allclose(model.plddt, own, atol=0.005 + 1e-9)


# ---------------------------------------------------------------- pDockQ: Bryant 2022 as FoldDock computes it


@pytest.mark.parametrize("run, tf, dom", [(CF, "C", "B"), (CF, "A", "B"), (CF, "A", "C"), (AP, "C", "B"),
                                          (AF3, "C", "B"), (AF3, "A", "B")])
def test_pdockq_is_folddock_calc_pdockq_on_the_top_model(fixtures_dir, run, tf, dom):
    """``pdockq`` from the readers equals FoldDock's pDockQ computed here from the top model's file (the
    AlphaPulldown run is a non-binder without CB contacts: 0 both ways)."""
    model = next(read_run(fixtures_dir / run))
    if run == AF3:
        full = json.loads((fixtures_dir / AF3 / "fold_5b8c_full_data_0.json").read_text())
        residues = _cif_residues(fixtures_dir / AF3 / "fold_5b8c_model_0.cif", full["atom_plddts"])
    else:
        residues = _pdb_residues(model.structure_path)
    expected = _folddock_pdockq(residues, tf, dom)
    got = confidence_metrics(model, tf, dom, 15.0)["pdockq"]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    if run == AP:
        assert expected == 0.0
    else:
        assert expected > 0.1  # real interfaces of 5b8c


# ---------------------------------------------------------------- ranking confidence


def test_score_table_iptm_ptm_is_0_8_iptm_plus_0_2_ptm(fixtures_dir):
    """The score tables' ``iptm_ptm`` (-> ``ranking_confidence``) is AlphaFold's ``iptm+ptm`` of the best model:
    with their ``iptm`` it implies a pTM inside 0..1 for all 34 rows (0.47-0.62), as 0.8 ipTM + 0.2 pTM must."""
    with open(fixtures_dir / "alphapulldown_csv" / "alphapulldown_output.csv", newline="") as fh:
        rows = [{k.strip(): v for k, v in row.items()} for row in csv.DictReader(fh)]
    implied = [(float(r["iptm_ptm"]) - 0.8 * float(r["iptm"])) / 0.2 for r in rows]
    assert len(implied) == 34 and 0.46 < min(implied) and max(implied) < 0.63


# ---------------------------------------------------------------- sequence descriptors


def test_sequence_descriptors_are_the_same_from_a_run_and_a_score_table(fixtures_dir, tmp_path):
    """The descriptors come from the FASTA sequences alone: a ColabFold run and a score-table row of the same
    pair (the same FASTA records) give identical descriptor columns, and the TF's acidic fraction counted here."""
    from tfbind.features.alphapulldown_table import read_score_table
    from tfbind.features.descriptors import DESCRIPTOR_COLUMNS
    from tfbind.features.extract import extract_pair
    from tfbind.plan.sequences import SequenceRecord
    from tfbind.plan.settings import ExtractSettings

    residues = _pdb_residues(fixtures_dir / CF / CF_PDB)
    one = {"GLY": "G", "ALA": "A", "SER": "S", "THR": "T", "CYS": "C", "VAL": "V", "LEU": "L", "ILE": "I",
           "MET": "M", "PRO": "P", "PHE": "F", "TYR": "Y", "TRP": "W", "ASP": "D", "GLU": "E", "ASN": "N",
           "GLN": "Q", "LYS": "K", "ARG": "R", "HIS": "H"}
    seqs = {c: "".join(one[r["name"]] for r in residues if r["chain"] == c) for c in "BC"}
    tfs = {"TILE": SequenceRecord("TILE", seqs["C"], "TILE")}
    domains = {"DOM": SequenceRecord("DOM", seqs["B"], "FAB")}
    pair = {"pair_id": "DOM_and_TILE", "tf_id": "TILE", "domain_id": "DOM", "prediction": str(fixtures_dir / CF),
            "tf_chain": "", "domain_chain": "", "format": ""}
    _, from_run = extract_pair(pair, tfs, domains, ExtractSettings(sasa=False, pair_timeout_s=0))
    table = tmp_path / "scores.csv"
    table.write_text("jobs,iptm,iptm_ptm\nDOM_and_TILE,0.5,0.6\n")
    frame, failed, _ = read_score_table(table, tfs, domains)
    assert failed == [] and len(frame) == 1
    from_table = frame.iloc[0]
    for column in DESCRIPTOR_COLUMNS:
        assert from_run[column] == from_table[column], column
    acidic = sum(seqs["C"].count(a) for a in "DE") / len(seqs["C"])
    assert from_run["tf_frac_acidic"] == pytest.approx(acidic)
