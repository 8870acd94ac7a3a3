"""Extraction settings, kept apart from the extraction code so that reading them at workflow parse time
imports nothing heavy (the Snakefile builds them for every run, `-n` and `--lint` included)."""

from __future__ import annotations

from dataclasses import dataclass, field

# Decompressed-size cap of any input file (MiB) and per-pair time limit (s); see config/README.md and
# tfbind.readers.bounded for why these values.
DEFAULT_MAX_INPUT_MB = 1024
DEFAULT_PAIR_TIMEOUT_S = 120

# Defaults of the reference ipSAE tool (Dunbrack 2025): PAE cutoff 15 A for AF2-type PAE, 10 A for AF3.
DEFAULT_IPSAE_CUTOFF = {"alphafold2": 15.0, "colabfold": 15.0, "alphafold3": 10.0}
# PAE cutoff of the interface residues (tfbind.metrics.interface_residues): ipSAE's, whose reference tool selects
# its interface residues with the same PAE cutoff (ipsae.py dist1/dist2).
DEFAULT_INTERFACE_PAE_CUTOFF = dict(DEFAULT_IPSAE_CUTOFF)

# features.shape_complementarity: Sc for the top-ranked model of each run (default: about 1 s per model of a
# real complex, tfbind.metrics.shape_complementarity), for every model, or for none.
SC_MODES = ("top", "all", "off")


@dataclass
class ExtractSettings:
    ipsae_pae_cutoff: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_IPSAE_CUTOFF))
    min_identity: float = 0.9
    sasa: bool = True  # False: skip buried area / solvation energy (NaN), several times faster
    on_error: str = "skip"  # "skip": record and continue; "fail": stop at the first bad pair
    max_input_mb: float = DEFAULT_MAX_INPUT_MB  # larger (decompressed) input files fail the pair
    pair_timeout_s: float = DEFAULT_PAIR_TIMEOUT_S  # a pair taking longer fails (0 = no limit)
    shape_complementarity: str = "top"  # one of SC_MODES
    interface_pae_cutoff: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_INTERFACE_PAE_CUTOFF))

    def __post_init__(self):
        if self.shape_complementarity not in SC_MODES:
            raise ValueError(f"features.shape_complementarity: {self.shape_complementarity!r} is not one of "
                             f"{', '.join(SC_MODES)}")

    def computes_sc(self, top: bool) -> bool:
        """Whether Sc is computed for a model (``top``: the run's top-ranked model)."""
        return self.shape_complementarity == "all" or (self.shape_complementarity == "top" and top)

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * (1 << 20))
