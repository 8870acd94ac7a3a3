"""The screen's answer: ranked candidate tiles per domain, with or without labels.

* :mod:`tfbind.consensus`  the parameter-free consensus score (mean of within-domain rank percentiles; its own
  module below both ranking and evaluation, which both use it);
* :mod:`.calls`      per-metric calls against published thresholds (each cited);
* :mod:`.table`      the ranking tables (one per domain), TSV and the Excel workbook;
* :mod:`.model_scores`  fusion-model scores joined to the ranking (this run's model or ``predict.model_file``);
* :mod:`.coordinates`   tile coordinates along the TF protein (FASTA header keys or ``GENE_N`` IDs);
* :mod:`.plots`      heatmap, score tracks, top-candidate PAE / contact panels, labelled-run plots;
* :mod:`.summary`    the run summary (printed at the end of a run and shown first in the report);
* :mod:`.html`       the offline interactive ranking tables of the report.

Light imports only at package level (the Snakefile imports :mod:`.summary` when the workflow is parsed).
"""
