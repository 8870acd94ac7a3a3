"""Shard planning (stable under appending) and atomic, schema-fixed table writing."""

import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tfbind.features.schema import MODEL_SCHEMA
from tfbind.io import atomic_path, concat_parquet, rows_to_table, write_parquet
from tfbind.plan.pairs import PAIR_COLUMNS, PairPlan
from tfbind.plan.shards import read_manifest, shard_archives, write_plan


def pairs(n: int) -> pd.DataFrame:
    rows = [{c: "" for c in PAIR_COLUMNS} | {"pair_id": f"p{i:03d}", "tf_id": f"t{i}", "domain_id": "KIX"}
            for i in range(n)]
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def test_shards_are_consecutive_and_cover_every_pair(tmp_path):
    names = write_plan(PairPlan(pairs(25)), tmp_path, shard_size=10)
    assert names == ["shard_00000", "shard_00001", "shard_00002"]
    sizes = [len(read_manifest(tmp_path / f"{n}.tsv")) for n in names]
    assert sizes == [10, 10, 5]
    assert read_manifest(tmp_path / "shard_00002.tsv")["pair_id"].tolist() == [f"p{i:03d}" for i in range(20, 25)]


def test_appending_pairs_rewrites_only_the_last_and_new_shards(tmp_path):
    write_plan(PairPlan(pairs(25)), tmp_path, shard_size=10)
    before = {p.name: os.stat(p).st_mtime_ns for p in tmp_path.glob("shard_*.tsv")}
    contents = {p.name: p.read_text() for p in tmp_path.glob("shard_*.tsv")}
    for p in tmp_path.glob("shard_*.tsv"):  # make any rewrite visible in the mtime
        os.utime(p, ns=(1, 1))
    names = write_plan(PairPlan(pairs(37)), tmp_path, shard_size=10)
    assert names[-1] == "shard_00003"
    after = {p.name: os.stat(p).st_mtime_ns for p in tmp_path.glob("shard_*.tsv")}
    assert after["shard_00000.tsv"] == 1 and after["shard_00001.tsv"] == 1  # untouched
    assert after["shard_00002.tsv"] != 1 and "shard_00003.tsv" in after
    assert (tmp_path / "shard_00000.tsv").read_text() == contents["shard_00000.tsv"]
    assert set(before) < set(after)


def test_shrinking_plan_removes_stale_manifests(tmp_path):
    write_plan(PairPlan(pairs(25)), tmp_path, shard_size=10)
    write_plan(PairPlan(pairs(5)), tmp_path, shard_size=10)
    assert sorted(p.name for p in tmp_path.glob("shard_*.tsv")) == ["shard_00000.tsv"]


def test_shard_archives_follow_the_manifests(tmp_path):
    """The archive folders each shard reads come from the same cutting as its manifest: 25 pairs in shards of
    10, pairs 3 and 24 read from archive A, pairs 9 and 10 from archive B (worked out by hand)."""
    table = pairs(25)
    table["prediction"] = [f"runs/p{i}" for i in range(25)]
    for i, folder in ((3, "A"), (9, "B"), (10, "B"), (24, "A")):
        table.loc[i, "prediction"] = f"results/archives/{folder}/job_{i}/model.cif"
    archives = {"A": "runs/A.zip", "B": "runs/B.zip"}
    got = shard_archives(table["prediction"].tolist(), archives, shard_size=10)
    assert got == {"shard_00000": ["results/archives/A", "results/archives/B"],
                   "shard_00001": ["results/archives/B"], "shard_00002": ["results/archives/A"]}
    names = write_plan(PairPlan(table), tmp_path, shard_size=10)
    for name in names:  # the manifest of each shard holds exactly the pairs that need its archives
        read = {"/".join(p.split("/")[:3]) for p in read_manifest(tmp_path / f"{name}.tsv")["prediction"]
                if p.startswith("results/archives/")}
        assert read == set(got.get(name, []))
    assert shard_archives(table["prediction"].tolist(), {}, shard_size=10) == {}  # no archive: nothing to cut
    for cut in (lambda: shard_archives(["x"], archives, 0), lambda: write_plan(PairPlan(table), tmp_path, 0)):
        with pytest.raises(ValueError, match="shard_size must be at least 1"):
            cut()


def test_unmatched_inputs_are_listed(tmp_path):
    write_plan(PairPlan(pairs(2), [("msas", "not a pair")]), tmp_path, shard_size=10)
    assert (tmp_path / "unmatched.tsv").read_text() == "name\treason\nmsas\tnot a pair\n"


def test_tables_have_the_fixed_schema_even_when_empty(tmp_path):
    write_parquet(rows_to_table([], MODEL_SCHEMA), tmp_path / "empty.parquet")
    write_parquet(rows_to_table([{"pair_id": "p1", "model_rank": 0, "iptm": 0.5}], MODEL_SCHEMA),
                  tmp_path / "one.parquet")
    n = concat_parquet([tmp_path / "empty.parquet", tmp_path / "one.parquet"], MODEL_SCHEMA, tmp_path / "all.parquet")
    table = pq.read_table(tmp_path / "all.parquet")
    assert n == 1 and table.schema.equals(MODEL_SCHEMA)
    row = table.to_pylist()[0]
    assert row["iptm"] == 0.5 and row["model_rank"] == 0
    assert row["pdockq"] != row["pdockq"]  # absent metric -> NaN, not 0


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.parquet"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("partial")
            raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_arrow_manifest_lines_equal_python_joins():
    """Plans of 10^4 pairs and more are joined by Arrow: the same lines as the plain Python joins."""
    import pandas as pd

    from tfbind.plan import shards

    n = 12_000
    frame = pd.DataFrame({
        "pair_id": [f"KIX_and_T{i}" for i in range(n)],
        "prediction": [f"/runs/é{i}/x" for i in range(n)],
        "tf_chain": ["" if i % 3 else "B" for i in range(n)],
        "tf_sequence": ["ACDEFGHIKLMNPQRSTVWY" * (1 + i % 7) for i in range(n)],
    })
    python = ["\t".join(values) + "\n" for values in zip(*(frame[c].astype(str).tolist() for c in frame.columns))]
    assert shards._arrow_tsv_lines(frame) == python
    assert shards._tsv_lines(frame) == python
