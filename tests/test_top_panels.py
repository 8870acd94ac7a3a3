"""Top-candidate panels (tfbind.ranking.top_panels): residue-numbered axes, the interface residues marked, and
one panel per candidate a domain has (no placeholders), drawn from the real ColabFold fixture."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers import shared_fixtures
from tfbind.ranking import top_panels as tp


def test_residue_numbers_add_the_tile_start_and_skip_residues_outside_the_tile():
    assert tp.residue_numbers("MLFKW", "MLFKW", 461).tolist() == [461, 462, 463, 464, 465]
    assert tp.residue_numbers("MLFKW", None, np.nan).tolist() == [1, 2, 3, 4, 5]  # start unknown
    # a chain residue G that the tile does not have: 0, no number
    assert tp.residue_numbers("MLGFKW", "MLFKW", 11).tolist() == [11, 12, 0, 13, 14, 15]


def test_number_ticks_take_round_numbers_at_the_smallest_step_that_fits():
    # residues 461..540 (80): step 10 gives 8 ticks at 470, 480, ..., 540 (rows 9, 19, ..., 79)
    rows, labels = tp.number_ticks(np.arange(461, 541))
    assert labels == [str(n) for n in range(470, 541, 10)] and rows == list(range(9, 80, 10))
    # 1..120: 120 / 10 = 12 ticks fit; 1..121 needs step 20
    assert tp.number_ticks(np.arange(1, 121))[1][:2] == ["10", "20"]
    assert tp.number_ticks(np.arange(1, 122))[1][:2] == ["20", "40"]
    assert tp.number_ticks(np.arange(1, 6))[1] == ["1", "2", "3", "4", "5"]
    assert tp.number_ticks([0, 0]) == ([], [])


def test_interface_ticks_mark_the_listed_residues_by_row():
    numbers = np.array([461, 462, 0, 463, 464])
    assert tp.interface_ticks(numbers, "L462 F463 W999") == ([1, 3], ["L462", "F463"])
    assert tp.interface_ticks(numbers, "") == ([], [])


@pytest.fixture(scope="module")
def fixture_row():
    folder = shared_fixtures() / "colabfold_5b8c"
    from tfbind.readers import read_run

    pred = next(iter(read_run(folder)))
    return {"pair_id": "KIX_and_MYB_2", "tf_id": "MYB_2", "domain_id": "KIX", "rank": 1, "consensus": 0.9,
            "iptm": 0.84, "ipsae_min": 0.58, "tile_start": 101, "interface_residues": "V135 N137 Q146",
            "source_format": "colabfold", "prediction": str(folder), "tf_chain": "A", "domain_chain": "B",
            "tf_sequence": pred.sequences["A"]}, pred


def test_contact_map_axes_are_numbered_in_the_protein_and_mark_the_interface(fixture_row, tmp_path, monkeypatch):
    row, pred = fixture_row
    assert len(pred.sequences["A"]) == 139 and len(pred.sequences["B"]) == 120
    seen = {}

    def capture(fig, path):
        contact = next(ax for ax in fig.axes if ax.get_title().startswith("inter-chain contacts"))
        marks = contact.child_axes[0]  # the secondary axis on the right
        assert marks.get_ylabel().startswith("interface residues")
        seen.update(
            y=(list(contact.get_yticks()), [t.get_text() for t in contact.get_yticklabels()]),
            x=(list(contact.get_xticks()), [t.get_text() for t in contact.get_xticklabels()]),
            marks=(list(marks.get_yticks()), [t.get_text() for t in marks.get_yticklabels()]),
            ylabel=contact.get_ylabel(), xlabel=contact.get_xlabel())
        tp.pyplot().close(fig)

    monkeypatch.setattr(tp, "save", capture)
    tp.top_panel(row, tmp_path / "p.png")
    # TF chain: 139 residues numbered 101..239 (start 101): step 20 (139 / 10 > 12), 120..220 at rows n - 101
    assert seen["y"] == ([n - 101 for n in range(120, 240, 20)], [str(n) for n in range(120, 240, 20)])
    # domain: its own numbering 1..120, step 10, 10..120 at columns n - 1
    assert seen["x"] == ([n - 1 for n in range(10, 121, 10)], [str(n) for n in range(10, 121, 10)])
    # V135 N137 Q146: tile positions 35, 37, 46, rows 34, 36, 45
    assert seen["marks"] == ([34, 36, 45], ["V135", "N137", "Q146"])
    seq = pred.sequences["A"]
    assert (seq[34], seq[36], seq[45]) == ("V", "N", "Q")  # the letters of the listed residues
    assert seen["ylabel"] == "TF MYB_2 residue" and "1 = first residue" in seen["xlabel"]
    # without a start: positions in the tile, and the axis says so
    tp.top_panel(row | {"tile_start": None, "interface_residues": "V35"}, tmp_path / "p.png")
    assert seen["y"][1] == [str(n) for n in range(20, 140, 20)] and seen["marks"] == ([34], ["V35"])
    assert "start unknown" in seen["ylabel"]


def test_a_domain_with_one_candidate_gets_its_panel_and_no_placeholders(fixture_row, tmp_path):
    row, _ = fixture_row
    table = pd.DataFrame([row, row | {"domain_id": "NCBD", "pair_id": "x", "rank": 7}])
    written = tp.top_panels(table, ["KIX", "NCBD", "TAZ2"], top_n=5, out_dir=tmp_path)
    # KIX has one candidate: its panel only; NCBD's only pair is rank 7 (> top_n) and TAZ2 has none: a note each
    assert sorted(p.name for p in tmp_path.iterdir()) == ["KIX_rank1.png", "NCBD_none.png", "TAZ2_none.png"]
    assert sorted(p.name for p in written) == sorted(p.name for p in tmp_path.iterdir())
    from PIL import Image

    with Image.open(tmp_path / "KIX_rank1.png") as im:  # a real two-panel figure, not a one-line note
        assert im.size[0] > 1000 and im.size[1] > 500
