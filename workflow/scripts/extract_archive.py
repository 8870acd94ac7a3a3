"""Rule extract_archive: one zip of predictions_dir -> results/archives/<name>/ (checked, size-capped)."""

import logging

from tfbind import logs
from tfbind.plan.archives import ArchiveError, archive_limit_bytes, extract_archive, record_failure

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0])
log = logging.getLogger("extract_archive")
source, target = smk.input[0], smk.output[0]
log.info("extracting %s into %s", source, target)
try:
    written = extract_archive(source, target, archive_limit_bytes(smk.params.max_archive_mb))
    log.info("%s: %d bytes extracted", source, written)
except ArchiveError as exc:
    # Its pairs fail with this reason (failed.tsv, stage archive); the other runs are read.
    log.error("%s", exc)
    record_failure(target, str(exc))
