"""FASTA, pairs TSV, discovery and labels: validation with errors that name the file and record."""

from pathlib import Path

import pytest

from tfbind.errors import InputError
from tfbind.labels import read_labels
from tfbind.plan.discovery import discover_pairs
from tfbind.plan.pairs import read_pairs_table
from tfbind.plan.sequences import read_fasta


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def fastas(tmp_path):
    tf = write(tmp_path / "tf.fasta", ">MYB_24 tile 24 group=MYB\nDDLLWEF\n>KLF15_10\nPPQQSSA*\n")
    dom = write(tmp_path / "dom.fasta", ">KIX_1 category=KIX\nGIRKQWHE\n>TAZ2\nGDSRRLSI\n")
    return read_fasta(tf, "tf"), read_fasta(dom, "domain")


def test_fasta_ids_sequences_and_categories(fastas):
    tfs, domains = fastas
    assert list(tfs) == ["MYB_24", "KLF15_10"]
    assert tfs["KLF15_10"].sequence == "PPQQSSA"  # trailing stop removed
    assert domains["KIX_1"].category == "KIX"
    assert domains["TAZ2"].category == "TAZ2"  # no category= -> the ID
    assert (tfs["MYB_24"].group, tfs["KLF15_10"].group) == ("MYB", "")  # the group= key, else none


@pytest.mark.parametrize(
    "text, problem",
    [
        (">A/B\nACD\n", "'A/B' is not a valid identifier"),
        (">A\nACD\n>A\nEFG\n", "duplicate tf IDs (1): A"),
        (">KIX\nACD\n>MYB\nACD\n>kix\nEFG\n>Myb\nEFG\n", "tf IDs that differ only in case (2): KIX / kix; MYB / Myb;"),
        (">A\nACDB1\n", "letters outside the 20 amino acids plus X: 1B"),
        (">A\n\n", "empty sequence"),
        (">A group=MY/B\nACD\n", "'MY/B' is not a valid identifier"),
        ("not fasta\n", "not a readable FASTA file"),
        ("", "no FASTA records"),
    ],
)
def test_fasta_errors_name_file_and_record(tmp_path, text, problem):
    path = write(tmp_path / "bad.fasta", text)
    with pytest.raises(InputError) as err:
        read_fasta(path, "tf")
    assert problem in str(err.value)
    assert str(path) in str(err.value)


def test_pairs_table_resolves_relative_predictions(tmp_path, fastas):
    tfs, domains = fastas
    table = write(
        tmp_path / "pairs.tsv",
        "pair_id\ttf_id\tdomain_id\tprediction\tformat\n"
        "KIX_1_and_MYB_24\tMYB_24\tKIX_1\truns/KIX_1_and_MYB_24\talphafold2\n"
        "p2\tKLF15_10\tTAZ2\t/abs/run\t\n",
    )
    plan = read_pairs_table(table, tfs, domains, predictions_dir=tmp_path / "preds")
    rows = plan.pairs.to_dict("records")
    assert rows[0]["prediction"] == str(tmp_path / "preds" / "runs" / "KIX_1_and_MYB_24")
    assert rows[1]["prediction"] == "/abs/run"
    assert rows[0]["format"] == "alphafold2" and rows[1]["format"] == ""
    assert rows[0]["tf_chain"] == ""


@pytest.mark.parametrize(
    "line, problem",
    [
        ("p1\tMYB_24\tKIX_1\tx\np1\tKLF15_10\tKIX_1\ty\n", "duplicate pair_id (1): p1"),
        ("P1\tMYB_24\tKIX_1\tx\np1\tKLF15_10\tKIX_1\ty\n", "pair_id that differ only in case (1): P1 / p1;"),
        ("p 1\tMYB_24\tKIX_1\tx\n", "line 2: pair_id 'p 1' is not a valid identifier"),
        ("p1\tNOPE\tKIX_1\tx\n", "line 2: tf_id 'NOPE' is not in the TF FASTA"),
        ("p1\tMYB_24\tKIX_9\tx\n", "line 2: domain_id 'KIX_9' is not in the domain FASTA"),
        ("p1\tMYB_24\tKIX_1\t\n", "line 2: empty prediction path"),
    ],
)
def test_pairs_table_errors(tmp_path, fastas, line, problem):
    table = write(tmp_path / "pairs.tsv", "pair_id\ttf_id\tdomain_id\tprediction\n" + line)
    with pytest.raises(InputError) as err:
        read_pairs_table(table, *fastas)
    assert problem in str(err.value) and str(table) in str(err.value)


def test_pairs_table_missing_column(tmp_path, fastas):
    table = write(tmp_path / "pairs.tsv", "pair_id\ttf_id\tprediction\np\tMYB_24\tx\n")
    with pytest.raises(InputError, match="missing column.*domain_id"):
        read_pairs_table(table, *fastas)


def test_discovery_splits_alphapulldown_names_and_reports_strays(tmp_path, fastas):
    root = tmp_path / "preds"
    for name in ["KIX_1_and_MYB_24", "TAZ2_and_KLF15_10", "KIX_1_and_UNKNOWN", "msas"]:
        (root / name).mkdir(parents=True)
    (root / "notes.txt").write_text("not a run")
    plan = discover_pairs(root, *fastas)
    got = plan.pairs[["pair_id", "tf_id", "domain_id"]].values.tolist()
    assert got == [["KIX_1_and_MYB_24", "MYB_24", "KIX_1"], ["TAZ2_and_KLF15_10", "KLF15_10", "TAZ2"]]
    assert [name for name, _ in plan.unmatched] == ["KIX_1_and_UNKNOWN", "msas"]


def test_labels(tmp_path):
    good = write(tmp_path / "l.tsv", "tf_id\tdomain_id\tkd_nm\tbinder\nA\tKIX\t250.5\t1\nB\tKIX\t50000\t0\n")
    labels = read_labels(good)
    assert labels["kd_nm"].tolist() == [250.5, 50000.0]
    assert labels["binder"].tolist() == [1, 0]
    assert "tf_group" not in labels.columns
    grouped = write(tmp_path / "g.tsv", "tf_id\tdomain_id\tkd_nm\ttf_group\nA_1\tKIX\t250\t A \nA_2\tKIX\t9\tA\n")
    assert read_labels(grouped)["tf_group"].tolist() == ["A", "A"]  # kept for grouped folds, stripped
    bad = write(tmp_path / "b.tsv", "tf_id\tdomain_id\tkd_nm\nA\tKIX\t-3\n")
    with pytest.raises(InputError, match="line 2: kd_nm '-3' is not a finite positive number"):
        read_labels(bad)
