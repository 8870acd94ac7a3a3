"""The run's settings, typed and frozen, built once when the workflow is parsed
(``tfbind.settings.WorkflowSettings.from_config`` on the validated config, whose defaults the schema filled) and
handed to the jobs as rule ``params``: the value a job runs with is the value Snakemake compares for its params
rerun trigger.

Kept apart from the code that uses them so that building them imports nothing heavy (the Snakefile builds them
for every run, ``-n`` and ``--lint`` included; tests/test_parse_time_imports.py). Params must be plain data
(Snakemake stores the ``repr`` of builtin values only, and silently leaves any other object out of the rerun
check), hence ``as_dict`` / ``from_dict``. Field defaults are the schema's (tfbind.defaults), for library use.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..defaults import allowed, defaults, filled

_FEATURES = defaults("features")

# features.shape_complementarity: Sc for the top-ranked model of each run (default: about 1 s per model of a
# real complex, tfbind.metrics.shape_complementarity), for every model, or for none.
SC_MODES = ("top", "all", "off")


def sc_mode(value) -> str:
    """``features.shape_complementarity`` as one of ``SC_MODES``: YAML 1.1 reads an unquoted ``off`` as false."""
    return "off" if value is False else str(value)


def _cutoffs(value: dict) -> dict[str, float]:
    return {fmt: float(v) for fmt, v in value.items()}


class _Plain:
    """``as_dict`` / ``from_dict``: the settings as rule params (plain data) and back in the job."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict):
        return cls(**values)


@dataclass(frozen=True)
class ExtractSettings(_Plain):
    """The extraction's settings (config ``features`` and ``on_error``)."""

    # ipSAE PAE cutoff per format (the reference tool's: 15 A for AF2-type PAE, 10 A for AF3)
    ipsae_pae_cutoff: dict[str, float] = field(default_factory=lambda: _cutoffs(_FEATURES["ipsae_pae_cutoff"]))
    min_identity: float = _FEATURES["chain_min_identity"]
    sasa: bool = _FEATURES["sasa"]  # False: skip buried area / solvation energy (NaN), several times faster
    on_error: str = defaults("on_error")  # "skip": record and continue; "fail": stop at the first bad pair
    max_input_mb: float = float(_FEATURES["max_input_mb"])  # larger (decompressed) input files fail the pair
    pair_timeout_s: float = float(_FEATURES["pair_timeout_s"])  # a pair taking longer fails (0 = no limit)
    shape_complementarity: str = _FEATURES["shape_complementarity"]  # one of SC_MODES
    # PAE cutoff of the interface residues (tfbind.metrics.interface_residues): ipSAE's by default
    interface_pae_cutoff: dict[str, float] = field(
        default_factory=lambda: _cutoffs(_FEATURES["interface_pae_cutoff"]))

    def __post_init__(self):
        if self.shape_complementarity not in SC_MODES:
            raise ValueError(f"features.shape_complementarity: {self.shape_complementarity!r} is not one of "
                             f"{', '.join(SC_MODES)}")

    @classmethod
    def from_config(cls, config: dict) -> ExtractSettings:
        """From a config (``features`` and ``on_error``; keys left out take the schema's defaults)."""
        features = filled("features", config.get("features"))
        return cls(
            ipsae_pae_cutoff=_cutoffs(features["ipsae_pae_cutoff"]),
            min_identity=float(features["chain_min_identity"]),
            sasa=bool(features["sasa"]),
            on_error=config.get("on_error", cls.on_error),
            max_input_mb=float(features["max_input_mb"]),
            pair_timeout_s=float(features["pair_timeout_s"]),
            shape_complementarity=sc_mode(features["shape_complementarity"]),
            interface_pae_cutoff=_cutoffs(features["interface_pae_cutoff"]),
        )

    def computes_sc(self, top: bool) -> bool:
        """Whether Sc is computed for a model (``top``: the run's top-ranked model)."""
        return self.shape_complementarity == "all" or (self.shape_complementarity == "top" and top)

    @property
    def max_input_bytes(self) -> int:
        return int(self.max_input_mb * (1 << 20))


_EVALUATE = defaults("evaluate")


@dataclass(frozen=True)
class EvaluateSettings(_Plain):
    """The evaluation's settings (config ``evaluate``): grouped cross-validation and bootstrap."""

    cv_folds: int = _EVALUATE["cv_folds"]
    cv_repeats: int = _EVALUATE["cv_repeats"]
    group_by: str = _EVALUATE["group_by"]  # groups of the CV folds and of split group_tf
    bootstrap: int = _EVALUATE["bootstrap"]
    seed: int = _EVALUATE["seed"]  # folds of repeat 0 (repeat r: seed + r) and the bootstrap

    def __post_init__(self):
        if self.group_by not in allowed("evaluate.group_by"):
            raise ValueError(f"evaluate.group_by: {self.group_by!r} is not one of "
                             f"{', '.join(allowed('evaluate.group_by'))}")

    @classmethod
    def from_config(cls, config: dict) -> EvaluateSettings:
        return cls(**filled("evaluate", config.get("evaluate")))


__all__ = ["SC_MODES", "EvaluateSettings", "ExtractSettings", "sc_mode"]
