"""UniProt FASTA headers (issue 21): the ID from GN= (else the accession) plus a /START-END range, read the same
way by the FASTA reader, the ranking's tile coordinates and the prepare tiling. Header lines written by hand
in UniProtKB's format (https://www.uniprot.org/help/fasta-headers)."""

import warnings

import pytest

from tfbind.errors import InputError, InputWarning
from tfbind.plan.sequences import read_fasta
from tfbind.prepare.tiling import plan_tiles
from tfbind.ranking.coordinates import tile_coordinates

P53 = "MEEPQSDPSVEPPLSQETFSDLWKLLPENNVLSPLPSQAMDDLMLSPDDIEQWFTEDPGP"  # P04637 residues 1-60
SP = ">sp|P04637|P53_HUMAN Cellular tumor antigen p53 OS=Homo sapiens OX=9606 GN=TP53 PE=1 SV=4"
TR = ">tr|A0A024R1R8|A0A024R1R8_HUMAN HCG2014768, isoform CRA_a OS=Homo sapiens OX=9606 GN=hCG_2014768 PE=4 SV=1"
TR_NO_GN = ">tr|Q6ZSR9|Q6ZSR9_HUMAN cDNA FLJ45252 fis, clone BRHIP3021987 OS=Homo sapiens OX=9606 PE=2 SV=1"
ISOFORM = ">sp|P04637-2|P53_HUMAN Isoform 2 of Cellular tumor antigen p53 OS=Homo sapiens OX=9606 GN=TP53"


def _fasta(tmp_path, *records):
    path = tmp_path / "tf.fasta"
    path.write_text("".join(f"{header}\n{seq}\n" for header, seq in records))
    return path


def test_ids_from_gene_name_else_accession_with_a_warning(tmp_path):
    path = _fasta(tmp_path, (SP, P53), (TR, "MKTAYIAKQR"), (TR_NO_GN, "MSTNPKPQRK"))
    with pytest.warns(InputWarning) as caught:
        records = read_fasta(path, "tf")
    assert list(records) == ["TP53", "hCG_2014768", "Q6ZSR9"]
    assert records["TP53"].sequence == P53 and records["TP53"].group == ""
    (message,) = [str(w.message) for w in caught if issubclass(w.category, InputWarning)]
    assert message.startswith(f"{path}: 3 UniProt header(s) read with the ID rule GN= gene name / accession")
    assert "sp|P04637|P53_HUMAN -> TP53" in message and "tr|Q6ZSR9|Q6ZSR9_HUMAN -> Q6ZSR9" in message


def test_range_gives_id_group_and_coordinates(tmp_path):
    path = _fasta(tmp_path, (">sp|P04637|P53_HUMAN/1-40 Cellular tumor antigen p53 OS=Homo sapiens GN=TP53",
                             P53[:40]),
                  (">sp|P04637|P53_HUMAN/21-60 Cellular tumor antigen p53 OS=Homo sapiens GN=TP53", P53[20:60]))
    with pytest.warns(InputWarning, match="GN= gene name \\+ residue range"):
        records = read_fasta(path, "tf")
    assert list(records) == ["TP53_1-40", "TP53_21-60"]
    assert {r.group for r in records.values()} == {"TP53"}  # overlapping stretches: one CV group
    coords = tile_coordinates(path).set_index("tf_id")
    assert coords.loc["TP53_21-60", ["gene", "start", "end", "coordinates"]].tolist() == [
        "TP53", 21.0, 60.0, "header"]
    assert coords.loc["TP53_1-40", "end"] == 40.0


def test_isoforms_of_one_gene_are_refused_naming_both(tmp_path):
    path = _fasta(tmp_path, (SP, P53), (ISOFORM, P53[:30]))
    with pytest.raises(InputError, match=r"record 2 .*reads as ID 'TP53' \(GN= gene name\), as does "
                                         r">sp\|P04637\|P53_HUMAN: give them residue ranges"):
        read_fasta(path, "tf")


def test_bad_range_and_plain_headers(tmp_path):
    path = _fasta(tmp_path, (">sp|P04637|P53_HUMAN/40-1 GN=TP53", P53[:40]))
    with pytest.raises(InputError, match="residue range 40-1 must have 1 <= start <= end"):
        read_fasta(path, "tf")
    # not UniProt's: a pipe elsewhere is still an invalid ID, a plain ID stays as it is, with no warning
    with pytest.raises(InputError, match="not a valid identifier"):
        read_fasta(_fasta(tmp_path, (">gi|12345|ref|NP_000537.3| p53", P53)), "tf")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(read_fasta(_fasta(tmp_path, (">MYB_24 gene=MYB", P53)), "tf")) == ["MYB_24"]


def test_prepare_tiles_a_uniprot_protein_by_its_gene_name(tmp_path):
    path = _fasta(tmp_path, (SP, P53))
    with pytest.warns(InputWarning):
        plan = plan_tiles(path, window=40, step=10)
    # 60 residues, window 40, step 10: starts 1, 11, 21 (21 + 39 = 60 is the C terminus)
    assert [(t.tf_id, t.gene, t.start, t.end) for t in plan.tiles] == [
        ("TP53_1", "TP53", 1, 40), ("TP53_2", "TP53", 11, 50), ("TP53_3", "TP53", 21, 60)]
