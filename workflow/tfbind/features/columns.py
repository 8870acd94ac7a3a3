"""What each column of the feature tables holds, in a line (the workbook's ``about`` sheet; README "Feature
tables" has the long form and the references). :func:`feature_definition` also covers the generated names:
``<metric>_mean``, ``xd_<metric>`` and the sequence descriptors."""

from __future__ import annotations

FEATURE_DEFINITIONS = {
    "pair_id": "pair identifier: <domain_id>_and_<tf_id>",
    "tf_id": "TF tile identifier (TF FASTA)",
    "domain_id": "co-activator domain identifier (domain FASTA)",
    "domain_category": "domain category (KIX, NCBD, TAZ1, TAZ2, ...; the domain FASTA's category=)",
    "source_format": "predictor that wrote the run: alphafold2 (incl. AlphaPulldown), colabfold, alphafold3, "
                     "score_table",
    "model_name": "the top-ranked model's name in the run",
    "model_rank": "0 = top-ranked model by the predictor",
    "tf_chain": "chain holding the TF tile (sequence matching or override)",
    "domain_chain": "chain holding the domain",
    "tf_length": "TF tile residues in the model",
    "domain_length": "domain residues in the model",
    "iptm": "interface pTM as the predictor reported it (top-ranked model)",
    "ptm": "pTM as the predictor reported it",
    "ranking_confidence": "0.8 ipTM + 0.2 pTM, for every source",
    "ranking_score": "AlphaFold3's own ranking_score (NaN for other formats)",
    "plddt_mean": "mean pLDDT over both chains (CB, CA for Gly)",
    "plddt_tf": "mean pLDDT of the TF chain",
    "plddt_domain": "mean pLDDT of the domain chain",
    "plddt_interface": "mean pLDDT of residues with a partner CB within 8 A",
    "pae_mean": "mean PAE over the two chains' matrix (A)",
    "pae_inter_mean": "mean PAE over both inter-chain blocks (A)",
    "pae_inter_min": "minimum PAE over both inter-chain blocks (A)",
    "pdockq": "pDockQ (Bryant et al. 2022) from CB-CB <= 8 A contacts",
    "pdockq2_tf": "pDockQ2 (Zhu et al. 2023), TF -> domain direction",
    "pdockq2_domain": "pDockQ2, domain -> TF direction",
    "lis": "LIS (Kim et al. 2024): mean of both directions, inter-chain PAE < 12 A",
    "lia": "LIA (Kim et al. 2024): count of inter-chain PAE < 12 A over both blocks",
    "clis": "cLIS: LIS restricted to CB-CB < 8 A contacts",
    "clia": "cLIA: LIA restricted to CB-CB < 8 A contacts",
    "ilis": "iLIS = sqrt(LIS x cLIS)",
    "ipsae_tf_to_domain": "ipSAE (Dunbrack 2025), TF residues aligned",
    "ipsae_domain_to_tf": "ipSAE, domain residues aligned",
    "ipsae_min": "smaller ipSAE of the two directions",
    "ipsae_max": "larger ipSAE of the two directions",
    "iptm_pae": "ipTM recomputed from PAE (d0 of both chain lengths), max over directions",
    "n_contact_pairs": "residue pairs with CB-CB <= 8 A (CA for Gly)",
    "interface_residues_tile": "residues of the tile touching the domain in the top-ranked model (CB-CB <= 8 A, "
                               "PAE below features.interface_pae_cutoff both ways), one-letter code and position "
                               "in the tile (1 = its first residue); the ranking's interface_residues gives them "
                               "in the protein's numbering",
    "n_interface_res_tf": "TF residues with a heavy atom within 5 A of the domain",
    "n_interface_res_domain": "domain residues with a heavy atom within 5 A of the TF",
    "n_interface_res": "interface residues of both chains",
    "frac_polar": "fraction of interface residues polar (S T N Q Y C)",
    "frac_hydrophobic": "fraction of interface residues hydrophobic (A V L I M F W)",
    "frac_charged": "fraction of interface residues charged (R K D E H)",
    "bsa": "buried solvent-accessible surface area (A^2, probe 1.4 A)",
    "interface_area": "interface area = bsa / 2 (A^2, PISA convention)",
    "solvation_energy": "solvation energy of the buried area (kcal/mol, Eisenberg & McLachlan; negative = "
                        "favourable)",
    "n_hbonds": "donor-acceptor heavy-atom pairs <= 3.5 A across the interface",
    "n_salt_bridges": "K/R/H - D/E residue pairs with N+...O- <= 4.0 A",
    "shape_complementarity": "shape complementarity Sc (Lawrence & Colman 1993) of the top model (1 = perfect "
                             "fit); score tables: their sc",
    "sc_area": "Sc's trimmed interface area (A^2, both surfaces)",
    "sc_median_distance": "median distance between facing surface dots (A)",
    "iptm_chain_pair": "AlphaFold3 chain_pair_iptm of the two chains (NaN for AF2/ColabFold)",
    "tf_chain_identity": "sequence identity of the TF chain to the TF FASTA",
    "domain_chain_identity": "sequence identity of the domain chain to the domain FASTA",
    "n_chains": "chains in the model",
    "prediction": "the run (folder or file) the pair was read from",
    "n_models": "models in the run",
    "tf_sequence": "TF tile sequence (FASTA)",
    "domain_sequence": "domain sequence (FASTA)",
    "tf_group": "the TF FASTA's group= key (grouped cross-validation folds); empty when absent",
    "pi_score": "PI-score (AlphaPulldown score tables only)",
    "score_table_interface": "chain pair as the score table names it (score tables only)",
}

#: Sequence descriptors without their ``tf_`` / ``domain_`` prefix (tfbind.features.descriptors).
DESCRIPTOR_DEFINITIONS = {
    "ncpr": "net charge per residue (K + R - D - E) / length",
    "frac_acidic": "fraction D + E",
    "frac_basic": "fraction K + R",
    "frac_aromatic": "fraction W + F + Y",
    "frac_hydrophobic": "fraction W F Y L I M V",
    "frac_pro": "fraction P",
    "frac_gln": "fraction Q",
    "frac_ser": "fraction S",
    "frac_W": "fraction W",
    "frac_F": "fraction F",
    "frac_Y": "fraction Y",
    "frac_L": "fraction L",
    "frac_WFYL": "fraction W + F + Y + L",
    "frac_his": "fraction H",
    "frac_gly": "fraction G",
    "frac_ala": "fraction A",
    "frac_aliph": "fraction I + V + M",
    "fcr": "fraction of charged residues (D + E + K + R) / length",
    "kd_mean": "mean Kyte-Doolittle hydropathy (not a dissociation constant)",
    "kappa": "charge patterning kappa (Das & Pappu 2013)",
    "wfyl_acid_adj3": "W/F/Y/L positions with a D/E within 3 positions, / length",
    "wfyl_acid_adj4": "W/F/Y/L positions with a D/E within 4 positions, / length",
    "wfyl_x_acidic": "frac_WFYL x (D + E) / length",
    "max_wfyl_15": "most W/F/Y/L in any 15 consecutive residues",
    "max_motif_15": "largest min(#W/F/Y/L, #D/E) in any 15 consecutive residues",
    "max_acid_ncpr_15": "largest (#D/E - #K/R) / 15 in any 15 consecutive residues",
}


def feature_definition(column: str) -> str | None:
    """The definition of a feature-table column; None for a column nobody defined (a test fails on it)."""
    if column in FEATURE_DEFINITIONS:
        return FEATURE_DEFINITIONS[column]
    if column.endswith("_mean") and column[:-5] in FEATURE_DEFINITIONS:
        return f"mean over the run's models of {column[:-5]}"
    if column.startswith("xd_"):
        return (f"profile across domains of {column[3:]}: mean within-domain z-score against the tile's other "
                "domains (features.cross_domain_profile)")
    for prefix in ("tf_", "domain_"):
        if column.startswith(prefix) and column[len(prefix):] in DESCRIPTOR_DEFINITIONS:
            return f"{prefix[:-1]} sequence: {DESCRIPTOR_DEFINITIONS[column[len(prefix):]]}"
    return None


__all__ = ["DESCRIPTOR_DEFINITIONS", "FEATURE_DEFINITIONS", "feature_definition"]
