"""train_scope with a given split (pair_id -> train/val/test) instead of make_split."""

import pandas as pd
import pytest

from tfbind.errors import InputError
from tfbind.model.synthetic import synthetic_tables
from tfbind.model.training import train_scope

TINY = {"ensemble": 1, "epochs": 2, "device": "cpu"}


@pytest.fixture(scope="module")
def tables():
    return synthetic_tables(n_tfs=12, seed=4)


def _split(pairs):
    tfs = sorted(pairs["tf_id"].unique())
    names = {tf: "test" if i < 2 else "val" if i < 4 else "train" for i, tf in enumerate(tfs)}
    return pd.Series(pairs["tf_id"].map(names).to_numpy(), index=pairs["pair_id"])


def test_train_scope_uses_the_given_split(tables, tmp_path):
    pairs, labels = tables
    given = _split(pairs)
    extra = pd.concat([given, pd.Series({"not_a_pair_of_the_scope": "train"})])  # extra IDs are ignored
    summary = train_scope(pairs, labels, "all", TINY, tmp_path, threads=1, split=extra)
    written = pd.read_csv(tmp_path / "split.tsv", sep="\t").set_index("pair_id")["split"]
    assert written.sort_index().to_dict() == given.sort_index().to_dict()
    assert (summary["n_train"], summary["n_val"], summary["n_test"]) == (32, 8, 8)
    assert summary["split"] == "given"


def test_given_split_errors(tables, tmp_path):
    pairs, labels = tables
    given = _split(pairs)
    with pytest.raises(InputError, match="have no split"):
        train_scope(pairs, labels, "all", TINY, tmp_path, split=given.iloc[1:])
    bad = given.copy()
    bad.iloc[0] = "holdout"
    with pytest.raises(InputError, match="unknown split name"):
        train_scope(pairs, labels, "all", TINY, tmp_path, split=bad)
    with pytest.raises(InputError, match="no train row"):
        train_scope(pairs, labels, "all", TINY, tmp_path, split=given.replace("train", "val"))
    # no val row is fine: the members draw their validation groups from the train rows
    summary = train_scope(pairs, labels, "all", TINY, tmp_path, split=given.replace("val", "train"))
    assert summary["n_val"] == 0
    (tmp_path / "model.pt").unlink()
    assert not (tmp_path / "model.pt").exists()
