"""tfbind: features, model and evaluation for TF activation-domain / co-activator binding screens.

The package lives inside the workflow (``workflow/tfbind``) so that every Snakemake job can import it
without installing the project: the Snakefile puts ``workflow/`` on ``sys.path`` and Snakemake passes its
``sys.path`` on to every rule script (``workflow/rules/checkout.smk``).
"""

__version__ = "0.1.0"
