"""A tile's profile across domains (features/cross_domain.py, ``features.cross_domain_profile``)."""

import math

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tfbind.errors import InputError
from tfbind.features.cross_domain import add_profile_to_parquet, cross_domain_profile
from tfbind.features.schema import PAIR_SCHEMA
from tfbind.io import rows_to_table


def test_profile_by_hand():
    # domain A: t1 1, t2 2, t3 3 -> mean 2, sd 1 -> z -1, 0, 1
    # domain B: t1 10, t2 30, t3 20 -> mean 20, sd 10 -> z -1, 1, 0
    # domain C: only t1 has a value -> no sd, no z; its row still gets the mean of t1's z elsewhere
    frame = pd.DataFrame({
        "tf_id": ["t1", "t2", "t3", "t1", "t2", "t3", "t1", "t2"],
        "domain_id": ["A", "A", "A", "B", "B", "B", "C", "C"],
        "iptm": [1, 2, 3, 10, 30, 20, 0.5, np.nan],
    }, index=[10, 11, 12, 13, 14, 15, 16, 17])
    got = cross_domain_profile(frame, ["iptm"])["xd_iptm"]
    assert list(got.index) == list(frame.index)
    expected = {10: -1.0, 11: 1.0, 12: 0.0,  # A rows: the tile's z in B
                13: -1.0, 14: 0.0, 15: 1.0,  # B rows: the tile's z in A
                16: -1.0,  # C row of t1: mean of z_A(t1) = -1 and z_B(t1) = -1
                17: 0.5}  # C row of t2 (no value in C): mean of z_A(t2) = 0 and z_B(t2) = 1
    assert got.to_dict() == pytest.approx(expected)


def test_a_tile_folded_against_one_domain_has_no_profile_and_a_missing_metric_is_named():
    frame = pd.DataFrame({"tf_id": ["t1", "t2", "t3"], "domain_id": ["A", "A", "B"], "lis": [0.1, 0.2, 0.3]})
    got = cross_domain_profile(frame, ["lis"])["xd_lis"]
    assert all(math.isnan(v) for v in got)  # t1, t2 only in A; B has one value (no sd)
    with pytest.raises(InputError, match="'pdockq'"):
        cross_domain_profile(frame, ["pdockq"])


def test_profile_is_appended_to_the_parquet_table_row_group_by_row_group(tmp_path):
    rng = np.random.default_rng(0)
    rows = [{"pair_id": f"{d}_and_t{i}", "tf_id": f"t{i}", "domain_id": d, "iptm": float(rng.random()),
             "pdockq": float(rng.random())} for d in ("KIX", "TAZ1", "TAZ2") for i in range(7)]
    path = tmp_path / "pairs.parquet"
    pq.write_table(rows_to_table(rows, PAIR_SCHEMA), path, row_group_size=5)  # 21 rows in 5 groups
    before = pd.read_parquet(path)
    assert add_profile_to_parquet(path, ["iptm", "pdockq"]) == 21
    after = pd.read_parquet(path)
    assert list(after.columns) == list(before.columns) + ["xd_iptm", "xd_pdockq"]
    pd.testing.assert_frame_equal(after[before.columns], before)
    # each value from its definition, computed row by row here with the standard library
    import statistics

    for metric in ("iptm", "pdockq"):
        z = {}
        for d in ("KIX", "TAZ1", "TAZ2"):
            vals = [r[metric] for r in rows if r["domain_id"] == d]
            mu, sd = statistics.mean(vals), statistics.stdev(vals)
            z.update({(r["tf_id"], d): (r[metric] - mu) / sd for r in rows if r["domain_id"] == d})
        expected = [statistics.mean(v for (t, d), v in z.items() if t == r["tf_id"] and d != r["domain_id"])
                    for r in rows]
        assert after[f"xd_{metric}"].tolist() == pytest.approx(expected)
    with pytest.raises(InputError, match="already has"):
        add_profile_to_parquet(path, ["iptm"])
    with pytest.raises(InputError, match="'nope'"):
        add_profile_to_parquet(path, ["nope"])
    assert add_profile_to_parquet(path, []) == 0
