"""Merging shard tables (features/merge.py, io.concat_parquet): streamed, in order, every failure kept."""

import pyarrow.parquet as pq
import pytest

from tfbind.features.schema import MODEL_SCHEMA
from tfbind.io import concat_parquet, rows_to_table, write_parquet


def test_streamed_merge_keeps_every_row_in_order_across_row_groups(tmp_path):
    # 7 shards of 0..4 rows merged with row groups of 4: the rows, in shard order, equal each shard read
    # on its own (pyarrow's own reader), and the file is cut into row groups of at most 4 rows.
    paths, expected = [], []
    for k, n in enumerate([3, 0, 4, 1, 2, 4, 3]):
        rows = [{"pair_id": f"s{k}_p{i}", "model_rank": i, "iptm": k + i / 10} for i in range(n)]
        write_parquet(rows_to_table(rows, MODEL_SCHEMA), tmp_path / f"s{k}.parquet")
        paths.append(tmp_path / f"s{k}.parquet")
        expected += [(r["pair_id"], r["model_rank"], r["iptm"]) for r in rows]
    n = concat_parquet(paths, MODEL_SCHEMA, tmp_path / "all.parquet", row_group_size=4)
    merged = pq.ParquetFile(tmp_path / "all.parquet")
    got = merged.read(columns=["pair_id", "model_rank", "iptm"]).to_pylist()
    assert n == 17 and [(r["pair_id"], r["model_rank"], r["iptm"]) for r in got] == expected
    sizes = [merged.metadata.row_group(i).num_rows for i in range(merged.num_row_groups)]
    assert sum(sizes) == 17 and max(sizes) <= 4 and merged.schema_arrow.equals(MODEL_SCHEMA)


def test_merge_names_a_shard_with_other_columns(tmp_path):
    import pyarrow as pa

    write_parquet(rows_to_table([{"pair_id": "p1"}], MODEL_SCHEMA), tmp_path / "good.parquet")
    pq.write_table(pa.table({"pair_id": ["p2"], "iptm": ["high"]}), tmp_path / "bad.parquet")
    with pytest.raises(ValueError, match="bad.parquet"):
        concat_parquet([tmp_path / "good.parquet", tmp_path / "bad.parquet"], MODEL_SCHEMA, tmp_path / "all.parquet")
    assert not (tmp_path / "all.parquet").exists()


def test_merge_features_collects_failures_of_every_shard(tmp_path):
    from tfbind.features.merge import merge_features
    from tfbind.features.schema import PAIR_SCHEMA

    for k in range(3):
        write_parquet(rows_to_table([{"pair_id": f"p{k}", "model_rank": 0}], MODEL_SCHEMA), tmp_path / f"m{k}.parquet")
        write_parquet(rows_to_table([{"pair_id": f"p{k}", "n_models": 1}], PAIR_SCHEMA), tmp_path / f"p{k}.parquet")
    (tmp_path / "f0.tsv").write_text("pair_id\tstage\treason\n")  # header only: nothing failed
    (tmp_path / "f1.tsv").write_text("pair_id\tstage\treason\nq1\tread\tno PAE file\nq2\tmetrics\tempty chain\n")
    (tmp_path / "f2.tsv").write_text("pair_id\tstage\treason\n\n")  # header and a blank line: nothing
    (tmp_path / "unmatched.tsv").write_text("name\treason\nmsas\tnot a pair\n")
    out = {k: tmp_path / f"out_{k}" for k in ("models.parquet", "pairs.parquet", "failed.tsv")}
    n_pairs, n_failed = merge_features(
        [tmp_path / f"m{k}.parquet" for k in range(3)], [tmp_path / f"p{k}.parquet" for k in range(3)],
        [tmp_path / f"f{k}.tsv" for k in range(3)], tmp_path / "unmatched.tsv", *out.values())
    assert (n_pairs, n_failed) == (3, 3)
    assert out["failed.tsv"].read_text().splitlines() == [
        "pair_id\tstage\treason", "q1\tread\tno PAE file", "q2\tmetrics\tempty chain", "msas\tdiscover\tnot a pair"]


def test_merge_features_appends_the_cross_domain_profile_over_every_shard(tmp_path):
    # tile t1 and t2 against KIX in one shard and TAZ2 in another: the profile needs both shards.
    # ipTM KIX: t1 0.2, t2 0.4 (z -0.707, +0.707); TAZ2: t1 0.9, t2 0.5 (z +0.707, -0.707)
    from tfbind.features.merge import merge_features
    from tfbind.features.schema import PAIR_SCHEMA

    values = {0: [("KIX", "t1", 0.2), ("KIX", "t2", 0.4)], 1: [("TAZ2", "t1", 0.9), ("TAZ2", "t2", 0.5)]}
    for k, rows in values.items():
        write_parquet(MODEL_SCHEMA.empty_table(), tmp_path / f"m{k}.parquet")
        write_parquet(rows_to_table([{"pair_id": f"{d}_and_{t}", "domain_id": d, "tf_id": t, "iptm": v}
                                     for d, t, v in rows], PAIR_SCHEMA), tmp_path / f"p{k}.parquet")
        (tmp_path / f"f{k}.tsv").write_text("pair_id\tstage\treason\n")
    out = [tmp_path / "models.parquet", tmp_path / "pairs.parquet", tmp_path / "failed.tsv"]
    merge_features([tmp_path / f"m{k}.parquet" for k in values], [tmp_path / f"p{k}.parquet" for k in values],
                   [tmp_path / f"f{k}.tsv" for k in values], None, *out, cross_domain=["iptm"])
    got = pq.read_table(out[1], columns=["pair_id", "xd_iptm"]).to_pydict()
    half = 2 ** -0.5  # (x - mean) / sd of two values is -+1/sqrt(2)
    assert dict(zip(got["pair_id"], got["xd_iptm"])) == pytest.approx(
        {"KIX_and_t1": half, "KIX_and_t2": -half, "TAZ2_and_t1": -half, "TAZ2_and_t2": half})
