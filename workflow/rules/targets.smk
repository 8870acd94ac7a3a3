# The default target: what `snakemake` with no target makes for the config (Snakefile: every rule is defined
# for every config; these inputs choose what runs).


rule all:
    default_target: True
    input:
        rules.features.input if FEATURES_PLANNED else [],
        rules.evaluate.input if FEATURES_PLANNED and TRAIN_ENABLED else [],
        rules.rank.input if FEATURES_PLANNED else [],
        list(PREPARE_TARGETS.values()) if PREPARE_ENABLED else [],
