"""confidence_metrics against ipsae.py reference values on real ColabFold and AlphaFold3 outputs.

The fixtures (``../shared/fixtures``, see its README) hold the DunbrackLab/IPSAE example 5b8c
(three chains, 139/120/111 residues) predicted by ColabFold (AF2-multimer v3) and by the AlphaFold3
server, with the ipsae.py summary tables (``*_15_15.txt``, ``*_10_10.txt``). Arrays are read here
directly (json + gemmi), independently of ``tfbind.readers``.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest

gemmi = pytest.importorskip("gemmi")

# After the skip: tfbind.metrics imports gemmi at module level.
from tfbind.metrics import METRIC_KEYS, confidence_metrics  # noqa: E402
from tfbind.readers.prediction import ModelPrediction  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
CF_DIR = FIXTURES / "colabfold_5b8c"
AF3_DIR = FIXTURES / "af3_server_5b8c"
CF_STEM = "5b8c_unrelaxed_alphafold2_multimer_v3_model_4_seed_000"
CHAINS = ("A", "B", "C")
CHAIN_LENGTHS = {"A": 139, "B": 120, "C": 111}


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference fixture {path} not found (shared fixtures live beside the checkout in ../shared)")
    return path


# ----------------------------------------------------------------------------- reference tables
def parse_ipsae_table(path: Path) -> tuple[dict, dict]:
    """ipsae.py summary table -> ({(c1, c2): asym row}, {frozenset({c1, c2}): max row})."""
    asym, maxrows = {}, {}
    header = None
    for line in path.read_text().splitlines():
        fields = line.split()
        if not fields:
            continue
        if fields[0] == "Chn1":
            header = fields
            continue
        assert header is not None, f"{path}: data line before header"
        row = dict(zip(header, fields))
        if row["Type"] == "asym":
            asym[(row["Chn1"], row["Chn2"])] = row
        elif row["Type"] == "max":
            maxrows[frozenset((row["Chn1"], row["Chn2"]))] = row
    return asym, maxrows


# ----------------------------------------------------------------------------- array loading
def _cb_atoms_from_structure(path: Path) -> tuple[list[str], list[int], list[np.ndarray], list[str]]:
    """Chain id, residue number, CB coordinates (CA for Gly) and residue name, in file order."""
    st = gemmi.read_structure(str(path))
    chains, numbers, coords, names = [], [], [], []
    for chain in st[0]:
        for res in chain:
            atom_name = "CA" if res.name == "GLY" else "CB"
            atom = res.find_atom(atom_name, "*") or res.find_atom("CA", "*")
            assert atom is not None, f"{path}: no {atom_name} in {chain.name}{res.seqid}"
            chains.append(chain.name)
            numbers.append(res.seqid.num)
            coords.append(np.array(atom.pos.tolist()))
            names.append(res.name)
    return chains, numbers, coords, names


def _prediction(name: str, fmt: str, chains, numbers, coords, names, plddt, pae,
                iptm: float, ptm: float, ranking_score: float = math.nan) -> ModelPrediction:
    chain_ids = np.array(chains)
    seqs = {c: "".join(gemmi.find_tabulated_residue(n).one_letter_code.upper()
                       for n, cc in zip(names, chains) if cc == c) for c in dict.fromkeys(chains)}
    return ModelPrediction(
        model_name=name, model_rank=0, source_format=fmt, chain_ids=chain_ids,
        residue_numbers=np.array(numbers), sequences=seqs, cb_coords=np.vstack(coords),
        plddt=np.asarray(plddt, float), pae=np.asarray(pae, float),
        iptm=iptm, ptm=ptm, ranking_confidence=0.8 * iptm + 0.2 * ptm, ranking_score=ranking_score,
    )


@pytest.fixture(scope="module")
def colabfold_pred() -> ModelPrediction:
    scores = json.loads(_require(CF_DIR / "5b8c_scores_alphafold2_multimer_v3_model_4_seed_000.json").read_text())
    chains, numbers, coords, names = _cb_atoms_from_structure(_require(CF_DIR / f"{CF_STEM}.pdb"))
    n = len(chains)
    pae = np.asarray(scores["pae"], float)
    assert pae.shape == (n, n) and len(scores["plddt"]) == n
    # ColabFold's per-residue pLDDT is what ipsae.py uses for pDockQ (one value per residue).
    return _prediction(CF_STEM, "colabfold", chains, numbers, coords, names, scores["plddt"], pae,
                       scores["iptm"], scores["ptm"])


@pytest.fixture(scope="module")
def af3_pred() -> ModelPrediction:
    full = json.loads(_require(AF3_DIR / "fold_5b8c_full_data_0.json").read_text())
    summary = json.loads(_require(AF3_DIR / "fold_5b8c_summary_confidences_0.json").read_text())
    cif_path = _require(AF3_DIR / "fold_5b8c_model_0.cif")
    # atom_plddts follow the _atom_site order of the CIF: pick the CB row (CA for Gly) of each residue.
    block = gemmi.cif.read(str(cif_path)).sole_block()
    table = block.find("_atom_site.", ["label_atom_id", "label_comp_id", "label_asym_id", "label_seq_id",
                                       "Cartn_x", "Cartn_y", "Cartn_z"])
    atom_plddts = np.asarray(full["atom_plddts"], float)
    assert len(table) == atom_plddts.size
    chains, numbers, coords, names, plddt = [], [], [], [], []
    for k, row in enumerate(table):
        atom, comp, chain, seq = row[0], row[1], row[2], row[3]
        if atom == ("CA" if comp == "GLY" else "CB"):
            chains.append(chain)
            numbers.append(int(seq))
            coords.append(np.array([float(row[4]), float(row[5]), float(row[6])]))
            names.append(comp)
            plddt.append(atom_plddts[k])
    n = len(chains)
    pae = np.asarray(full["pae"], float)
    assert pae.shape == (n, n), "every token of this fixture is a standard residue"
    assert list(full["token_chain_ids"]) == chains
    return _prediction("fold_5b8c_model_0", "alphafold3", chains, numbers, coords, names, plddt, pae,
                       summary["iptm"], summary["ptm"], summary["ranking_score"])


CASES = [
    ("colabfold_pred", CF_DIR / f"{CF_STEM}_15_15.txt", 15.0),
    ("af3_pred", AF3_DIR / "fold_5b8c_model_0_10_10.txt", 10.0),
]


@pytest.mark.parametrize("pred_fixture, table, cutoff", CASES, ids=["colabfold", "af3"])
def test_fixture_shapes(pred_fixture, table, cutoff, request):
    pred = request.getfixturevalue(pred_fixture)
    counts = {c: int((pred.chain_ids == c).sum()) for c in CHAINS}
    assert counts == CHAIN_LENGTHS


@pytest.mark.parametrize("pred_fixture, table, cutoff", CASES, ids=["colabfold", "af3"])
@pytest.mark.parametrize("tf, dom", list(itertools.permutations(CHAINS, 2)))
def test_matches_ipsae_py(pred_fixture, table, cutoff, tf, dom, request):
    pred = request.getfixturevalue(pred_fixture)
    asym, maxrows = parse_ipsae_table(_require(table))
    m = confidence_metrics(pred, tf_chain=tf, domain_chain=dom, ipsae_pae_cutoff=cutoff)
    assert tuple(m) == METRIC_KEYS

    fwd, rev, mx = asym[(tf, dom)], asym[(dom, tf)], maxrows[frozenset((tf, dom))]
    assert float(fwd["PAE"]) == cutoff

    # ipSAE per direction (d0 from n0res), printed with 6 decimals.
    assert m["ipsae_tf_to_domain"] == pytest.approx(float(fwd["ipSAE"]), abs=1e-4)
    assert m["ipsae_domain_to_tf"] == pytest.approx(float(rev["ipSAE"]), abs=1e-4)
    assert m["ipsae_max"] == pytest.approx(float(mx["ipSAE"]), abs=1e-4)
    assert m["ipsae_min"] == pytest.approx(min(float(fwd["ipSAE"]), float(rev["ipSAE"])), abs=1e-4)
    # ipTM from PAE, d0 from both chain lengths: the max row's ipTM_d0chn.
    assert m["iptm_pae"] == pytest.approx(float(mx["ipTM_d0chn"]), abs=1e-4)
    # pDockQ is symmetric; pDockQ2 per direction (TF rows = asym row TF->domain).
    assert m["pdockq"] == pytest.approx(float(fwd["pDockQ"]), abs=0.01)
    assert m["pdockq"] == pytest.approx(float(rev["pDockQ"]), abs=0.01)
    assert m["pdockq2_tf"] == pytest.approx(float(fwd["pDockQ2"]), abs=0.01)
    assert m["pdockq2_domain"] == pytest.approx(float(rev["pDockQ2"]), abs=0.01)
    # LIS: the max row holds the mean of the two directions (reference uses PAE <= 12, we use < 12).
    assert m["lis"] == pytest.approx(float(mx["LIS"]), abs=0.005)

    # Copied and derived values are consistent.
    assert m["iptm"] == pytest.approx(pred.iptm)
    assert m["ptm"] == pytest.approx(pred.ptm)
    assert m["ipsae_min"] <= m["ipsae_max"]
    assert 0.0 < m["clis"] <= 1.0 and m["clia"] <= m["lia"]
    assert m["ilis"] == pytest.approx(math.sqrt(m["lis"] * m["clis"]))
    assert m["pae_inter_min"] <= m["pae_inter_mean"]
    assert not math.isnan(m["plddt_interface"])


def test_metrics_symmetry_on_real_data(colabfold_pred):
    """Swapping TF and domain swaps the directional values and keeps the symmetric ones."""
    ab = confidence_metrics(colabfold_pred, "A", "B", 15.0)
    ba = confidence_metrics(colabfold_pred, "B", "A", 15.0)
    assert ab["ipsae_tf_to_domain"] == pytest.approx(ba["ipsae_domain_to_tf"])
    assert ab["pdockq2_tf"] == pytest.approx(ba["pdockq2_domain"])
    for key in ("pdockq", "lis", "lia", "clis", "clia", "ilis", "iptm_pae", "ipsae_max", "ipsae_min",
                "pae_mean", "pae_inter_mean", "pae_inter_min", "plddt_mean", "plddt_interface"):
        assert ab[key] == pytest.approx(ba[key]), key
