"""Exceptions that carry enough context (file, record, problem) to be acted on by a user."""


class InputError(ValueError):
    """Bad user input: a config value, a FASTA/TSV record or a prediction file that cannot be used.

    The message names the file and the record; callers never need to add context to be understood.
    """


class PredictionError(InputError):
    """One AlphaFold run cannot be read or scored (missing/truncated files, size mismatch, unknown chain).

    Raised per pair; the extraction stage records it in ``failed.tsv`` and carries on with the others.
    """

    def __init__(self, message: str, stage: str = "read"):
        super().__init__(message)
        self.stage = stage


class InputWarning(UserWarning):
    """An input that is used but has something the user should know about (e.g. a column not used)."""


class RunWarning(UserWarning):
    """A run scored from part of its files, or read with a repair (chains mapped by order), or a metric left
    NaN for one model because its library refused the structure: the pair is scored and the note goes to
    the shard log and ``warnings.tsv`` (``pair_id, stage, note``); ``stage`` is where it arose (``read``, or
    the metric's name)."""

    def __init__(self, message: str, stage: str = "read"):
        super().__init__(message)
        self.stage = stage
