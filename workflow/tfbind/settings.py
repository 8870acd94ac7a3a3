"""Every stage's settings of one run, built once by the Snakefile (workflow/rules/common.smk) from the validated
config: the extraction and evaluation settings of :mod:`tfbind.plan.settings` and the ``train`` section merged by
:func:`tfbind.model.merge_config` (its cross-key rules). Above both in the package's layers
(tests/test_architecture.py), import-light like them (tests/test_parse_time_imports.py)."""

from __future__ import annotations

from dataclasses import dataclass

from .model import merge_config  # import-light: the training config, no torch
from .plan.settings import EvaluateSettings, ExtractSettings


@dataclass(frozen=True)
class WorkflowSettings:
    """Every stage's settings of one run; built once by the Snakefile (workflow/rules/common.smk)."""

    extract: ExtractSettings
    train: dict  # the ``train`` section merged and checked (tfbind.model.merge_config: its cross-key rules)
    evaluate: EvaluateSettings

    @classmethod
    def from_config(cls, config: dict) -> WorkflowSettings:
        return cls(ExtractSettings.from_config(config), merge_config(config.get("train")),
                   EvaluateSettings.from_config(config))


__all__ = ["WorkflowSettings"]
