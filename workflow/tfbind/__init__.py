"""tfbind: features, model and evaluation for TF activation-domain / co-activator binding screens.

The package lives inside the workflow (``workflow/tfbind``) so that every Snakemake job can import it
without installing the project: the Snakefile and the rule scripts put ``workflow/`` on ``sys.path``.
"""

__version__ = "0.1.0"
