"""tfbind: features, model and evaluation for TF activation-domain / co-activator binding screens.

The package lives inside the workflow (``workflow/tfbind``) so that every Snakemake job can import it
without installing the project: the Snakefile and the rule scripts put ``workflow/`` on ``sys.path``.

Its modules import downwards only, without cycles (the layer table and its check:
``tests/test_architecture.py``): errors, escape, ranges, logs, outputs, correlation, consensus and demo at the
bottom; text_tables, readers and plan; io, metrics and labels; features and prepare; model; evaluation;
ranking at the top.
"""

__version__ = "0.1.0"
