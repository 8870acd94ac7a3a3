"""The ``prepare`` stage: full-length TF proteins -> tiles -> AlphaFold job inputs (and, optionally, runs).

Imported when the workflow is parsed (the tiles and the job batches are planned then): the modules here use
the standard library and ``tfbind.plan.sequences`` only; writing the job files needs nothing heavier.
"""
