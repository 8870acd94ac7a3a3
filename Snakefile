# tfbind: TF activation-domain x co-activator domain binding from AlphaFold-Multimer screens.
#
#   snakemake --cores 2                # the embedded (synthetic) demo, end to end
#   snakemake --cores 2 features       # one stage: feature tables only
#   snakemake -s <checkout>/Snakefile -d <workdir> --configfile <workdir>/config.yaml features
#
# Rules are thin; the logic is the tfbind package in workflow/tfbind, found where this Snakefile is (a checkout, a
# module's local path, or a git source exported into the source cache): workflow/rules/checkout.smk.

import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

min_version("8.0")

# The folder of this Snakefile (a Snakemake SourceFile); under `module`, workflow.basedir is the host's.
TFBIND_SOURCE = workflow.current_basedir


include: "workflow/rules/checkout.smk"


from tfbind.errors import InputError
from tfbind.plan.config import check_config_values
from tfbind.plan.demo_inputs import check_demo_inputs
from tfbind.plan.schema import check_config


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


# Paths with a line break and model scopes such as ../x, with a message naming the key; then the schema by the
# package: Snakemake's own schema error prints the schema and the whole offending value (5.4 MB for a YAML
# alias bomb of 10^6 items), check_config's names the key, the closest valid one and what is allowed in a
# few short lines (tfbind/plan/schema.py); then demo.generate with inputs that are not the demo's.
try:
    check_config_values(config)
    check_config(config, WORKFLOW_DIR / "schemas" / "config.schema.yaml")
    check_demo_inputs(config)
except InputError as exc:
    raise WorkflowError(f"config error: {exc}") from None

# Reached with a config check_config accepted (the same schema and defaults): it fills nothing new; should
# the two ever disagree, the first line of its error, not the schema dump.
try:
    validate(config, str(WORKFLOW_DIR / "schemas" / "config.schema.yaml"))
except WorkflowError as exc:
    raise WorkflowError(f"config error: {str(exc).splitlines()[0][:300]}") from None


include: "workflow/rules/common.smk"
include: "workflow/rules/prepare.smk"


# With tf_proteins and nothing to read yet, the workflow is the prepare stage alone (common.smk).
if FEATURES_PLANNED:

    include: "workflow/rules/demo.smk"
    include: "workflow/rules/features.smk"

    if TRAIN_ENABLED:

        include: "workflow/rules/train.smk"
        include: "workflow/rules/evaluate.smk"

    if TRAIN_ENABLED or config["predict"]["model_file"]:

        include: "workflow/rules/predict.smk"
    include: "workflow/rules/rank.smk"


rule all:
    default_target: True
    input:
        rules.features.input if FEATURES_PLANNED else [],
        rules.evaluate.input if FEATURES_PLANNED and TRAIN_ENABLED else [],
        rules.rank.input if FEATURES_PLANNED else [],
        list(PREPARE_TARGETS.values()) if PREPARE_ENABLED else [],
