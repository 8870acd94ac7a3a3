"""Interface residues of the TF tile (tfbind.metrics.interface_residues): a hand-built case worked out by hand,
the real ColabFold fixture against an independent computation (Biopython NeighborSearch on the PDB file, the
PAE matrix read with json/numpy), ipsae.py's own residue count on the same model, and the renumbering."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from helpers import biopython_interface_residues, shared_fixtures
from tfbind.metrics.confidence import pair_blocks
from tfbind.metrics.interface_residues import (
    CONTACT_CUTOFF,
    interface_mask,
    parse,
    renumber,
    residue_text,
    tile_positions,
)
from tfbind.plan.settings import ExtractSettings
from tfbind.readers.prediction import ModelPrediction

COLABFOLD_STEM = "5b8c_unrelaxed_alphafold2_multimer_v3_model_4_seed_000"


def _toy(tf_y, pae):
    """A TF chain A of 4 residues (M L F K) on the x axis at y = ``tf_y``, a domain chain B of 2 residues
    (G S) at (0, 0, 0) and (30, 0, 0); ``pae`` the 6 x 6 matrix."""
    tf_xyz = [[0.0, y, 0.0] for y in tf_y]
    xyz = np.array(tf_xyz + [[0.0, 0.0, 0.0], [30.0, 0.0, 0.0]])
    return ModelPrediction(
        model_name="toy", model_rank=0, source_format="colabfold",
        chain_ids=np.array(list("AAAABB")), residue_numbers=np.array([1, 2, 3, 4, 1, 2]),
        sequences={"A": "MLFK", "B": "GS"}, cb_coords=xyz, plddt=np.full(6, 90.0), pae=np.asarray(pae, float))


def test_hand_built_case_needs_contact_and_low_pae_both_ways():
    # TF CBs at 3, 8, 8.01 and 5 A from domain residue 1 (the domain's residue 2 is 30 A away from all)
    pae = np.full((6, 6), 5.0)
    pae[3, 4] = 20.0  # K4 -> G1 confident one way only (TF row aligned: 20 A)
    pred = _toy([3.0, 8.0, 8.01, 5.0], pae)
    blocks = pair_blocks(pred, "A", "B")
    # by hand: M1 (3 A) and L2 (8 A, inclusive) are contacts with PAE 5 both ways; F3 (8.01 A) is no
    # contact; K4 is a contact, but PAE[K4, G1] = 20 >= 15
    mask = interface_mask(blocks.contacts, blocks.pae_ab, blocks.pae_ba, 15.0)
    assert mask.tolist() == [True, True, False, False]
    assert residue_text(mask, tile_positions("MLFK", "MLFK"), "MLFK") == "M1 L2"
    # the other direction alone also excludes it: PAE[G1, K4] = 20
    pae2 = np.full((6, 6), 5.0)
    pae2[4, 3] = 20.0
    b2 = pair_blocks(_toy([3.0, 8.0, 8.01, 5.0], pae2), "A", "B")
    assert interface_mask(b2.contacts, b2.pae_ab, b2.pae_ba, 15.0).tolist() == [True, True, False, False]
    # the cutoff is strict: PAE exactly 5 does not pass a cutoff of 5
    assert not interface_mask(blocks.contacts, blocks.pae_ab, blocks.pae_ba, 5.0).any()
    assert CONTACT_CUTOFF == 8.0


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="do not match"):
        interface_mask(np.zeros((3, 2), bool), np.zeros((3, 2)), np.zeros((3, 2)), 10.0)
    with pytest.raises(ValueError, match="3 residues in the TF chain's PAE and coordinates, 4 in its sequence"):
        residue_text(np.ones(3, bool), np.arange(1, 5), "MLFK")


def test_tile_positions_map_an_inexactly_matched_chain_onto_the_tile():
    assert tile_positions("MLFK", "MLFK").tolist() == [1, 2, 3, 4]
    # the chain lacks the tile's 3rd residue (F): chain K is tile position 4
    assert tile_positions("MLKW", "MLFKW").tolist() == [1, 2, 4, 5]
    # the chain has an extra residue (G) not in the tile: position 0, left out of the text
    positions = tile_positions("MLGFKW", "MLFKW")
    assert positions.tolist() == [1, 2, 0, 3, 4, 5]
    assert residue_text([True, False, True, True, False, False], positions, "MLFKW") == "M1 F3"


def test_renumbering_adds_the_tile_offset():
    # a tile starting at protein residue 461 (FASTA start=461): tile position 12 is residue 472
    assert renumber("L12 F15 W20", 460) == "L472 F475 W480"
    assert renumber("", 460) == "" and renumber(None, 460) == ""
    assert parse("L12 F15") == [("L", 12), ("F", 15)]
    with pytest.raises(ValueError, match="'12L' is not a one-letter code and a number"):
        parse("L1 12L")


@pytest.fixture(scope="module")
def colabfold_model():
    folder = shared_fixtures() / "colabfold_5b8c"
    from tfbind.readers import read_run

    pred = next(iter(read_run(folder)))
    pae = np.asarray(json.loads((folder / f"{COLABFOLD_STEM.replace('unrelaxed', 'scores')}.json")
                                .read_text())["pae"], dtype=float)
    return pred, pae, folder / f"{COLABFOLD_STEM}.pdb"


@pytest.mark.parametrize("tf_chain, domain_chain, cutoff", [("A", "B", 15.0), ("B", "C", 5.0), ("C", "A", 10.0)])
def test_real_colabfold_model_matches_neighbor_search(colabfold_model, tf_chain, domain_chain, cutoff):
    pred, pae, pdb = colabfold_model
    blocks = pair_blocks(pred, tf_chain, domain_chain)
    seq = pred.sequences[tf_chain]
    got = residue_text(interface_mask(blocks.contacts, blocks.pae_ab, blocks.pae_ba, cutoff),
                       tile_positions(seq, seq), seq)
    expected = biopython_interface_residues(pdb, pae, tf_chain, domain_chain, cutoff)
    assert got == expected
    assert 3 <= len(got.split()) < len(seq)  # an interface, not the whole chain


def test_real_colabfold_model_one_way_count_is_ipsae_dist1(colabfold_model):
    # ipsae.py's "dist1" of A->B (reference file *_15_15.txt): residues of A with a B residue at PAE < 15
    # (A aligned) and CB-CB < 15 A; the mask with the reverse PAE block set to 0 and a 15 A contact map
    pred, _, pdb = colabfold_model
    ref = [line.split() for line in (pdb.parent / f"{COLABFOLD_STEM}_15_15.txt").read_text().splitlines()]
    header = next(fields for fields in ref if fields[:1] == ["Chn1"])
    row = next(fields for fields in ref if fields[:5] == ["A", "B", "15", "15", "asym"])
    dist1 = int(row[header.index("dist1")])
    assert dist1 == 58
    blocks = pair_blocks(pred, "A", "B")
    mask = interface_mask(blocks.dist_ab < 15.0, blocks.pae_ab, np.zeros_like(blocks.pae_ba), 15.0)
    assert int(mask.sum()) == dist1


def test_extraction_writes_the_top_models_residues_in_tile_positions(colabfold_model):
    from tfbind.features.extract import extract_pair
    from tfbind.plan.sequences import SequenceRecord

    pred, pae, pdb = colabfold_model
    tf = SequenceRecord("TILE_1", pred.sequences["A"], "TF")
    dom = SequenceRecord("DOM", pred.sequences["B"], "DOM")
    pair = {"pair_id": "p", "tf_id": "TILE_1", "domain_id": "DOM", "prediction": str(pdb.parent),
            "tf_chain": "A", "domain_chain": "B"}
    settings = ExtractSettings(sasa=False, shape_complementarity="off",
                               interface_pae_cutoff={"alphafold2": 15.0, "colabfold": 4.0, "alphafold3": 10.0})
    rows, summary = extract_pair(pair, {"TILE_1": tf}, {"DOM": dom}, settings)
    # the ColabFold cutoff of features.interface_pae_cutoff applies (4 A: fewer residues than at 15)
    assert summary["interface_residues_tile"]
    assert summary["interface_residues_tile"] == biopython_interface_residues(pdb, pae, "A", "B", 4.0)
    assert summary["interface_residues_tile"] != biopython_interface_residues(pdb, pae, "A", "B", 15.0)
    assert not math.isnan(summary["iptm"])


def test_ranking_numbers_the_residues_in_the_protein_with_the_tiles_start(tmp_path):
    from tfbind.ranking.coordinates import tile_coordinates
    from tfbind.ranking.table import COLUMN_DEFINITIONS, build_ranking, ranking_columns

    fasta = tmp_path / "tf.fasta"
    # MYB_24 placed by its header (start 461); GATA_3 by its ID with tiling.step 10 (start (3 - 1) * 10 + 1 =
    # 21); FREE has no coordinates: its residues stay in tile positions
    fasta.write_text(">MYB_24 gene=MYB start=461\nMLFKW\n>GATA_3\nAAAAW\n>FREE\nMLFKW\n")
    coords = tile_coordinates(fasta, step=10, first_index=1)
    pairs = pd.DataFrame({
        "pair_id": ["p1", "p2", "p3", "p4"], "tf_id": ["MYB_24", "GATA_3", "FREE", "MYB_24"],
        "domain_id": ["KIX", "KIX", "KIX", "TAZ2"], "domain_category": ["KIX", "KIX", "KIX", "TAZ2"],
        "ranking_confidence": [0.9, 0.8, 0.7, 0.6],
        "interface_residues_tile": ["L2 F3 W5", "W5", "M1 K4", ""]})
    table = build_ranking(pairs, coords=coords).set_index("pair_id")
    assert table.loc["p1", "interface_residues"] == "L462 F463 W465"  # 461 - 1 + 2, + 3, + 5
    assert table.loc["p2", "interface_residues"] == "W25"  # 21 - 1 + 5
    assert table.loc["p3", "interface_residues"] == "M1 K4" and pd.isna(table.loc["p3", "tile_start"])
    assert table.loc["p4", "interface_residues"] == ""
    assert table["tile_start"].tolist()[:2] == [461, 21]
    assert {"tile_start", "interface_residues"} <= set(ranking_columns(False))
    assert "tile_start" in COLUMN_DEFINITIONS and "8 A" in COLUMN_DEFINITIONS["interface_residues"]
    # without coordinates (or a score table without the column) nothing breaks
    bare = build_ranking(pairs.drop(columns="interface_residues_tile"))
    assert set(bare["interface_residues"]) == {""} and bare["tile_start"].isna().all()
