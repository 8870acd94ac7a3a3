"""tfbind: features, model and evaluation for TF activation-domain / co-activator binding screens.

The package lives inside the workflow (``workflow/tfbind``) so that every Snakemake job can import it
without installing the project: the Snakefile puts ``workflow/`` on ``sys.path`` and Snakemake passes its
``sys.path`` on to every rule script (the Snakefile, ``CHECKOUT``).

Its modules import downwards only, without cycles (the layer table and its check:
``tests/test_architecture.py``): errors, escape, ranges, logs, outputs, correlation, consensus, defaults and
demo at the bottom; text_tables, readers and plan; io, metrics and labels; features, prepare and plotting;
model; evaluation and settings; ranking at the top.
"""

__version__ = "0.1.0"
