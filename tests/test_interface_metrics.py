"""Interface structure metrics on hand-built structures (answers worked out here) and a real model."""

from __future__ import annotations

import math
from pathlib import Path

import gemmi
import numpy as np
import pytest

from tfbind.metrics import interface_sasa
from tfbind.metrics.interface import INTERFACE_KEYS, interface_metrics
from tfbind.metrics.interface_sasa import buried_area_per_atom
from tfbind.readers.prediction import ModelPrediction

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"
AF3_MODEL = FIXTURES / "af3_server_5b8c" / "fold_5b8c_model_0.cif"

PROBE = 1.4
R_C = 1.70  # carbon radius used by the module (Bondi)
AREA_KEYS = ("bsa", "interface_area", "solvation_energy")


# ---------------------------------------------------------------------------------------------
# Hand-built structures
# ---------------------------------------------------------------------------------------------

def residue(name: str, atoms: list[tuple[str, str, tuple[float, float, float]]], num: int = 1,
            het: str = "A") -> gemmi.Residue:
    res = gemmi.Residue()
    res.name = name
    res.seqid = gemmi.SeqId(num, " ")
    res.het_flag = het
    for atom_name, element, xyz in atoms:
        atom = gemmi.Atom()
        atom.name = atom_name
        atom.element = gemmi.Element(element)
        atom.pos = gemmi.Position(*xyz)
        atom.occ = 1.0
        res.add_atom(atom)
    return res


def structure(chains: dict[str, list[gemmi.Residue]]) -> gemmi.Structure:
    st = gemmi.Structure()
    model = gemmi.Model(1)
    for name, residues in chains.items():
        chain = gemmi.Chain(name)
        for i, res in enumerate(residues, start=1):
            res.seqid = gemmi.SeqId(i, " ")
            chain.add_residue(res)
        model.add_chain(chain)
    st.add_model(model)
    return st


def prediction(st: gemmi.Structure) -> ModelPrediction:
    """ModelPrediction whose chain_ids/cb_coords come from the same atoms (CB, else CA, else first)."""
    chain_ids, coords, numbers = [], [], []
    for chain in st[0]:
        for res in chain:
            if res.is_water() or res.het_flag != "A":
                continue
            names = [a.name for a in res]
            rep = "CB" if ("CB" in names and res.name != "GLY") else ("CA" if "CA" in names else names[0])
            p = res[names.index(rep)].pos
            chain_ids.append(chain.name)
            coords.append((p.x, p.y, p.z))
            numbers.append(res.seqid.num)
    n = len(chain_ids)
    return ModelPrediction(
        model_name="hand_built", model_rank=0, source_format="alphafold3",
        chain_ids=np.array(chain_ids, dtype=str), residue_numbers=np.array(numbers),
        sequences={}, cb_coords=np.array(coords, dtype=float).reshape(-1, 3),
        plddt=np.zeros(n), pae=np.zeros((n, n)), structure=st,
    )


def metrics(chains: dict[str, list[gemmi.Residue]], tf: str = "A", dom: str = "B", **kw) -> dict:
    return interface_metrics(prediction(structure(chains)), tf, dom, **kw)


def carbon(name: str, xyz, atom: str = "CA") -> gemmi.Residue:
    """A one-atom residue (one carbon)."""
    return residue(name, [(atom, "C", xyz)])


def cap_area(d: float, r: float = R_C) -> float:
    """Area of one probe-expanded sphere (R = r + 1.4) inside the other's at centre distance d."""
    big_r = r + PROBE
    h = max(big_r - d / 2.0, 0.0)
    return 2.0 * math.pi * big_r * h


# ---------------------------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------------------------

def test_keys_and_types():
    out = metrics({"A": [carbon("ALA", (0, 0, 0))], "B": [carbon("ALA", (4, 0, 0))]})
    assert tuple(out) == INTERFACE_KEYS
    assert all(isinstance(v, float) for v in out.values())


@pytest.mark.parametrize("distance, expected", [(7.9, 1), (8.0, 1), (8.1, 0)])
def test_contact_pair_cb_cutoff(distance, expected):
    gly = residue("GLY", [("CA", "C", (0, 0, 0))])  # Gly: CA is the representative atom
    ala = residue("ALA", [("CB", "C", (distance, 0, 0)), ("CA", "C", (distance + 1.5, 0, 0))])
    out = metrics({"A": [gly], "B": [ala]})
    assert out["n_contact_pairs"] == expected


def test_isolated_chains_give_zeros_and_nan():
    a = [carbon("LEU", (0, 0, 0)), carbon("SER", (3.8, 0, 0)), carbon("LYS", (7.6, 0, 0))]
    b = [carbon("ASP", (0, 30, 0)), carbon("ALA", (3.8, 30, 0))]
    out = metrics({"A": a, "B": b})
    for key in ("n_contact_pairs", "n_interface_res_tf", "n_interface_res_domain", "n_interface_res",
                "bsa", "interface_area", "solvation_energy", "n_hbonds", "n_salt_bridges"):
        assert out[key] == 0.0, key
    for key in ("frac_polar", "frac_hydrophobic", "frac_charged"):
        assert math.isnan(out[key])


@pytest.mark.parametrize("d", [3.6, 4.0, 5.0, 5.8])
def test_buried_area_of_two_carbons_matches_lens_caps(d):
    out = metrics({"A": [carbon("ALA", (0, 0, 0), "CB")], "B": [carbon("ALA", (d, 0, 0), "CB")]})
    expected = 2.0 * cap_area(d)
    # Shrake-Rupley with n test points: each point stands for 4 pi R^2 / n of a sphere; allow two
    # points per sphere of boundary error (the measured error is below that).
    point_area = 4.0 * math.pi * (R_C + PROBE) ** 2 / interface_sasa.SR_POINTS
    assert out["bsa"] == pytest.approx(expected, abs=4 * point_area)
    assert out["interface_area"] == pytest.approx(out["bsa"] / 2)
    assert out["solvation_energy"] == pytest.approx(-16.0 * out["bsa"] / 1000.0)
    assert out["solvation_energy"] < 0  # burying carbon is favourable


def test_buried_area_converges_with_dense_points(monkeypatch):
    monkeypatch.setattr(interface_sasa, "SR_POINTS", 5000)
    for d in (3.6, 4.4, 5.5):
        xyz = np.array([[0.0, 0.0, 0.0], [d, 0.0, 0.0]])
        buried = buried_area_per_atom(xyz, np.array([R_C, R_C]), np.array([True, False]))
        assert buried.sum() == pytest.approx(2.0 * cap_area(d), rel=0.01)
        assert buried[0] == pytest.approx(buried[1], rel=0.02)


def test_sasa_false_gives_nan_areas_and_same_counts():
    chains = {"A": [carbon("ALA", (0, 0, 0), "CB")], "B": [carbon("ALA", (4, 0, 0), "CB")]}
    full, fast = metrics(chains), metrics(chains, sasa=False)
    for key in INTERFACE_KEYS:
        if key in AREA_KEYS:
            assert math.isnan(fast[key])
        else:
            assert fast[key] == full[key] or (math.isnan(fast[key]) and math.isnan(full[key]))


def ser(og_xyz) -> gemmi.Residue:
    x, y, z = og_xyz
    return residue("SER", [("CB", "C", (x - 1.43, y, z)), ("OG", "O", (x, y, z))])


def asp(od1_x: float) -> gemmi.Residue:
    # OD1 on the x axis, CG and OD2 further out (OD2 > 3.5 A from the Ser OG at the origin).
    return residue("ASP", [("CG", "C", (od1_x + 1.25, 0, 0)), ("OD1", "O", (od1_x, 0, 0)),
                           ("OD2", "O", (od1_x + 1.9, 1.1, 0)), ("CB", "C", (od1_x + 2.7, -0.6, 0))])


@pytest.mark.parametrize("d, expected", [(3.0, 1), (3.5, 1), (3.6, 0)])
def test_hbond_ser_og_asp_od1(d, expected):
    out = metrics({"A": [ser((0, 0, 0))], "B": [asp(d)]})
    assert out["n_hbonds"] == expected  # OG is donor and acceptor, OD1 acceptor: one pair, once
    assert out["n_salt_bridges"] == 0


def test_hbond_needs_donor_and_acceptor():
    # Two Asp carboxylates (acceptors only) at 3.0 A: no H-bond. Two Ser OG (both roles): one.
    assert metrics({"A": [asp(0.0)], "B": [asp(-3.0)]})["n_hbonds"] == 0
    assert metrics({"A": [ser((0, 0, 0))], "B": [ser((3.0, 0, 0))]})["n_hbonds"] == 1


def test_models_of_one_layout_each_scored_from_their_own_coordinates():
    """The atom selection and flags are derived once for structures with the same residues and atoms (the
    models of a run); each call still uses its own coordinates and chain roles."""
    for d, expected in ((3.0, 1), (3.6, 0), (3.5, 1), (9.0, 0), (3.0, 1)):
        assert metrics({"A": [ser((0, 0, 0))], "B": [asp(d)]})["n_hbonds"] == expected
    swapped = metrics({"A": [ser((0, 0, 0))], "B": [asp(3.0)]}, tf="B", dom="A")
    assert swapped["n_interface_res_tf"] == 1 and swapped["n_hbonds"] == 1
    # another layout in between (one more atom), then the first again
    assert metrics({"A": [ser((0, 0, 0))], "B": [asp(3.0), carbon("GLY", (30, 0, 0))]})["n_interface_res"] == 2
    assert metrics({"A": [ser((0, 0, 0))], "B": [asp(3.6)]})["n_hbonds"] == 0


def lys(nz=(0.0, 0.0, 0.0)) -> gemmi.Residue:
    x, y, z = nz
    return residue("LYS", [("CE", "C", (x - 1.49, y, z)), ("NZ", "N", (x, y, z))])


@pytest.mark.parametrize("d, bridges, hbonds", [(3.8, 1, 0), (4.0, 1, 0), (4.2, 0, 0), (3.2, 1, 1)])
def test_salt_bridge_lys_nz_glu_oe1(d, bridges, hbonds):
    glu = residue("GLU", [("OE1", "O", (d, 0, 0)), ("CD", "C", (d + 1.25, 0, 0)),
                          ("OE2", "O", (d + 1.9, 1.1, 0))])
    out = metrics({"A": [lys()], "B": [glu]})
    assert out["n_salt_bridges"] == bridges
    assert out["n_hbonds"] == hbonds  # NZ donor, OE1 acceptor: an H-bond only within 3.5 A


def test_two_nz_oe_contacts_of_one_residue_pair_count_once():
    glu = residue("GLU", [("CD", "C", (3.7, 0, 0)), ("OE1", "O", (3.0, 1.0, 0)),
                          ("OE2", "O", (3.0, -1.0, 0))])
    out = metrics({"A": [lys()], "B": [glu]})
    assert out["n_salt_bridges"] == 1
    assert out["n_hbonds"] == 2  # NZ-OE1 and NZ-OE2 at 3.16 A are two atom pairs


def test_salt_bridges_count_distinct_residue_pairs():
    # Lys NZ between two Glu of the partner chain, an Arg NH1 near the second Glu: 3 residue pairs.
    glu1 = residue("GLU", [("OE1", "O", (3.5, 0, 0)), ("CD", "C", (4.7, 0, 0))])
    glu2 = residue("GLU", [("OE1", "O", (-3.5, 0, 0)), ("CD", "C", (-4.7, 0, 0))])
    arg = residue("ARG", [("NH1", "N", (-3.5, 3.5, 0)), ("CZ", "C", (-3.5, 4.8, 0))])
    out = metrics({"A": [lys(), arg], "B": [glu1, glu2]})
    assert out["n_salt_bridges"] == 3  # Lys-Glu1, Lys-Glu2, Arg-Glu2 (NH1-OE1 3.5 A)


def test_interface_residue_cutoff_and_fractions():
    # Chain A: S L K G on x = 0, 4, 8, 12; chain B: D P A MSE facing them 4.5 A away, and a Trp far
    # away. MSE (selenomethionine) is classified as its parent Met (hydrophobic).
    a = [carbon(n, (4.0 * i, 0, 0)) for i, n in enumerate(["SER", "LEU", "LYS", "GLY"])]
    b = [carbon(n, (4.0 * i, 4.5, 0)) for i, n in enumerate(["ASP", "PRO", "ALA", "MSE"])]
    b.append(carbon("TRP", (40.0, 4.5, 0)))
    out = metrics({"A": a, "B": b})
    assert out["n_interface_res_tf"] == 4
    assert out["n_interface_res_domain"] == 4
    assert out["n_interface_res"] == 8
    # S | L A M | K D (G, P unclassed)
    assert out["frac_polar"] == pytest.approx(1 / 8)
    assert out["frac_hydrophobic"] == pytest.approx(3 / 8)
    assert out["frac_charged"] == pytest.approx(2 / 8)


@pytest.mark.parametrize("d, n", [(4.9, 1), (5.0, 1), (5.1, 0)])
def test_interface_residue_5a_heavy_atom_cutoff(d, n):
    out = metrics({"A": [carbon("LEU", (0, 0, 0))], "B": [carbon("VAL", (d, 0, 0))]}, sasa=False)
    assert out["n_interface_res_tf"] == n and out["n_interface_res_domain"] == n
    assert out["frac_hydrophobic"] == 1.0 if n else math.isnan(out["frac_hydrophobic"])


def test_solvation_energy_of_charged_atoms():
    # Burying Lys NZ (N+, -50) against a Glu OE1 (O-, -24) is unfavourable (positive dG).
    glu = residue("GLU", [("OE1", "O", (3.8, 0, 0))])
    nz = residue("LYS", [("NZ", "N", (0, 0, 0))])
    out = metrics({"A": [nz], "B": [glu]})
    xyz = np.array([[0.0, 0, 0], [3.8, 0, 0]])
    buried = buried_area_per_atom(xyz, np.array([1.55, 1.52]), np.array([True, False]))
    assert out["bsa"] == pytest.approx(buried.sum())
    assert out["solvation_energy"] == pytest.approx((50 * buried[0] + 24 * buried[1]) / 1000)
    assert out["solvation_energy"] > 0


def test_hydrogens_other_chains_waters_and_ligands_are_ignored():
    def chains(extra: bool):
        a = [lys(), residue("LEU", [("CD1", "C", (0, 4.0, 0)), ("CG", "C", (0, 5.5, 0))])]
        b = [residue("GLU", [("OE1", "O", (3.5, 0, 0)), ("CD", "C", (4.7, 0, 0))]),
             residue("ILE", [("CD1", "C", (3.8, 4.0, 0)), ("CG1", "C", (4.8, 5.0, 0))])]
        out = {"A": a, "B": b}
        if extra:
            # Hydrogens on chain A atoms, a water between the chains inside chain A, a zinc ion in
            # chain B, and a third chain touching both.
            a[0].add_atom(_atom("HZ1", "H", (1.0, 0.0, 0.0)))
            a[1].add_atom(_atom("DD1", "D", (1.0, 4.0, 0.0)))
            a.append(residue("HOH", [("O", "O", (1.8, 2.0, 0))], het="H"))
            b.append(residue("ZN", [("ZN", "Zn", (1.8, -1.5, 0))], het="H"))
            out["C"] = [carbon("PHE", (1.8, 2.0, 3.0)), carbon("TRP", (1.8, 2.0, -3.0))]
        return out

    base = metrics(chains(False))
    assert base["n_salt_bridges"] == 1 and base["bsa"] > 0
    with_extra = metrics(chains(True))
    for key in INTERFACE_KEYS:
        assert with_extra[key] == pytest.approx(base[key], nan_ok=True), key


def _atom(name, element, xyz):
    atom = gemmi.Atom()
    atom.name, atom.element, atom.pos, atom.occ = name, gemmi.Element(element), gemmi.Position(*xyz), 1.0
    return atom


def test_bad_chains_raise_clear_errors():
    chains = {"A": [carbon("ALA", (0, 0, 0))], "B": [carbon("ALA", (4, 0, 0))]}
    with pytest.raises(ValueError, match="both"):
        metrics(chains, "A", "A")
    with pytest.raises(ValueError, match="'Z'"):
        metrics(chains, "A", "Z")


# ---------------------------------------------------------------------------------------------
# Real AlphaFold3 model
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def af3_prediction():
    if not AF3_MODEL.is_file():
        pytest.skip(f"real AlphaFold3 fixture not found at {AF3_MODEL} "
                    "(shared fixtures live beside the checkout in ../shared)")
    from tfbind.readers import read_run

    return next(iter(read_run(AF3_MODEL)))


def _biopython_heavy_sasa(chains) -> float:
    """Total SASA (A^2) of the heavy atoms of ``chains`` with Biopython's Shrake-Rupley."""
    from Bio.PDB.Model import Model
    from Bio.PDB.SASA import ShrakeRupley
    from Bio.PDB.Structure import Structure

    st = Structure("x")
    model = Model(0)
    st.add(model)
    for chain in chains:
        chain = chain.copy()
        for res in list(chain):
            if res.id[0] != " ":  # waters and ligands
                chain.detach_child(res.id)
                continue
            for atom in list(res):
                if atom.element in ("H", "D"):
                    res.detach_child(atom.id)
        model.add(chain)
    ShrakeRupley(probe_radius=1.4, n_points=200).compute(st, level="A")
    return sum(atom.sasa for atom in st.get_atoms())


def test_real_model_interface_area_matches_biopython(af3_prediction):
    from Bio.PDB import MMCIFParser

    out = interface_metrics(af3_prediction, "A", "B")
    bio = MMCIFParser(QUIET=True).get_structure("m", str(AF3_MODEL))[0]
    a, b = bio["A"], bio["B"]
    reference_bsa = _biopython_heavy_sasa([a]) + _biopython_heavy_sasa([b]) - _biopython_heavy_sasa([a, b])
    assert reference_bsa > 200  # chains A and B of 5b8c do form an interface
    assert out["interface_area"] == pytest.approx(reference_bsa / 2, rel=0.05)
    assert out["n_interface_res_tf"] > 0 and out["n_interface_res_domain"] > 0
    assert out["n_contact_pairs"] > 0
    assert 0 < out["frac_polar"] + out["frac_hydrophobic"] + out["frac_charged"] <= 1


def test_real_model_restricted_sasa_equals_whole_chains(af3_prediction):
    from tfbind.metrics.interface import prediction_atoms

    # the reader keeps its atom table (and no gemmi Structure when it read the mmCIF with numpy)
    atoms = prediction_atoms(af3_prediction, "A", "B")
    radii = np.array([interface_sasa.element_radius(e) for e in atoms.element])
    near = buried_area_per_atom(atoms.xyz, radii, atoms.is_tf, restrict=True)
    whole = buried_area_per_atom(atoms.xyz, radii, atoms.is_tf, restrict=False)
    np.testing.assert_allclose(near, whole, atol=1e-9)
    assert near.sum() > 0


def test_real_model_reads_structure_path_when_structure_dropped(af3_prediction):
    from dataclasses import replace

    kept = interface_metrics(af3_prediction, "B", "C", sasa=False)
    reread = interface_metrics(replace(af3_prediction, structure=None), "B", "C", sasa=False)
    assert reread == pytest.approx(kept, nan_ok=True)
    assert kept["n_hbonds"] >= 0 and kept["n_interface_res"] > 0


def test_real_model_same_from_atom_table_structure_or_path(af3_prediction):
    from dataclasses import replace

    assert af3_prediction.atoms is not None  # the reader keeps its atom table
    kept = interface_metrics(af3_prediction, "A", "B")
    from_structure = interface_metrics(replace(af3_prediction, atoms=None), "A", "B")
    from_path = interface_metrics(replace(af3_prediction, atoms=None, structure=None), "A", "B")
    assert from_structure == pytest.approx(kept, nan_ok=True, abs=0, rel=0)
    assert from_path == pytest.approx(kept, nan_ok=True, abs=0, rel=0)


# ---------------------------------------------------------------------------------------------
# Bound on the geometry passed to freesasa (issue 20, item 4)
# ---------------------------------------------------------------------------------------------

def _two_touching_pairs(far: float):
    """A TF carbon at the origin touching a domain carbon 4 A along x, and the same pair moved to (far, far, far)."""
    xyz = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 0.0], [far, far, far], [far + 4.0, far, far]])
    return xyz, np.full(4, R_C), np.array([True, False, True, False])


def _freesasa_must_not_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("freesasa.calcCoord called")

    monkeypatch.setattr(interface_sasa.freesasa, "calcCoord", refuse)


def test_interface_spread_over_a_large_box_is_refused_before_freesasa(monkeypatch):
    _freesasa_must_not_run(monkeypatch)
    xyz, radii, is_tf = _two_touching_pairs(1000.0)
    with pytest.raises(interface_sasa.GeometryTooLarge) as err:
        buried_area_per_atom(xyz, radii, is_tf)
    # box 1004 x 1000 x 1000 A; cell 2 (1.7 + 1.4) = 6.2 A; 1010.2 * 1006.2 * 1006.2 = 1.02277e9 A^3
    # (neighbour grid: 1.02277e9 / 6.2^3 = 4.2914e6 cells * 150 B = 0.6437 GB)
    message = str(err.value)
    assert "the 4 interface atoms (and neighbours) passed to freesasa span 1004.0 x 1000.0 x 1000.0 A" in message
    assert "a box of 1.02e+09 A^3 with a 6.2 A grid cell added to each edge" in message
    assert "over the limit of 2.16e+08 A^3 (a 600 A cube;" in message
    assert "about 0.644 GB" in message
    assert isinstance(err.value, ValueError)  # the extraction turns it into a failed pair


def test_interface_within_the_bound_is_computed_as_two_separate_pieces():
    xyz, radii, is_tf = _two_touching_pairs(500.0)  # 510.2 * 506.2^2 = 1.307e8 A^3, under 600^3 = 2.16e8
    buried = buried_area_per_atom(xyz, radii, is_tf)
    one = buried_area_per_atom(xyz[:2], radii[:2], is_tf[:2])
    np.testing.assert_allclose(buried, np.concatenate([one, one]), rtol=0, atol=1e-9)
    point_area = 4.0 * math.pi * (R_C + PROBE) ** 2 / interface_sasa.SR_POINTS
    assert buried.sum() == pytest.approx(4.0 * cap_area(4.0), abs=8 * point_area)


def test_a_lone_far_atom_never_reaches_freesasa_and_is_not_refused():
    """An atom touching nothing is left out of the freesasa call (it cannot be buried), so it does not widen the
    box: the pair is scored as without it."""
    xyz, radii, is_tf = _two_touching_pairs(9000.0)
    xyz, radii, is_tf = xyz[:3], radii[:3], is_tf[:3]
    buried = buried_area_per_atom(xyz, radii, is_tf)
    np.testing.assert_allclose(buried, np.concatenate([buried_area_per_atom(xyz[:2], radii[:2], is_tf[:2]), [0.0]]),
                               rtol=0, atol=1e-9)


def test_grid_box_limit_is_inclusive_and_refuses_nan(monkeypatch):
    _freesasa_must_not_run(monkeypatch)
    radii = np.full(2, 1.8)  # cell 2 (1.8 + 1.4) = 6.4 A
    at_limit = np.array([[0.0, 0.0, 0.0], [593.6, 593.6, 593.6]])  # padded edges 600 A: exactly 600^3
    interface_sasa.check_grid_box(at_limit, radii)
    with pytest.raises(interface_sasa.GeometryTooLarge, match=r"span 593\.7 x 593\.6 x 593\.6 A"):
        interface_sasa.check_grid_box(at_limit + [[0, 0, 0], [0.1, 0, 0]], radii)
    with pytest.raises(interface_sasa.GeometryTooLarge, match=r"span nan x"):
        interface_sasa.check_grid_box(np.array([[0.0, 0.0, 0.0], [math.nan, 1.0, 1.0]]), radii)
