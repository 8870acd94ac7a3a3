"""Writing and merging the feature tables: columnar, atomic, with a fixed schema.

Every file is written to a temporary name in the same folder and renamed into place, so an interrupted
job never leaves a partial Parquet file under the final name.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .escape import NEEDS_ESCAPE_PATTERN, escape_cell

log = logging.getLogger("tfbind.io")

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; outputs get the usual mode
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def rows_to_table(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """Build a table with exactly ``schema``'s columns (missing values become nulls/NaN)."""
    columns = {}
    for fld in schema:
        values = [r.get(fld.name) for r in rows]
        if pa.types.is_floating(fld.type):
            values = [float("nan") if v is None else float(v) for v in values]
        columns[fld.name] = pa.array(values, type=fld.type)
    return pa.table(columns, schema=schema)


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) follow the rules of :mod:`tfbind.escape`:
    control characters escaped, and a text that a spreadsheet program would evaluate as a formula guarded
    by a leading apostrophe. Numbers (numeric columns, and numbers inside text columns) are left as they
    are."""
    out = frame.copy()
    out.columns = [escape_cell(str(c)) for c in out.columns]
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):  # a guarded text is not one of its categories
            out[column] = out[column].astype(object)
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            # one vectorised search per column; only the (rare) cells that need a rule are rewritten
            values = out[column]
            hit = values.astype(str).str.contains(NEEDS_ESCAPE_PATTERN, regex=True).to_numpy(dtype=bool)
            if hit.any():
                out.loc[hit, column] = values[hit].map(lambda v: escape_cell(v) if isinstance(v, str) else v)
    return out


def write_tsv(frame: pd.DataFrame, path: str | Path, for_reading: bool = False, **kwargs) -> None:
    """``frame`` as a tab-separated file without the index, written atomically; text cells escaped by
    :func:`escape_frame` (control characters, formula guard), so every row is one line of the file and no
    cell is a formula when the file is opened in a spreadsheet program. ``for_reading``: a table for people
    (not read back by a later step): numbers rounded by :func:`tfbind.text_tables.round_for_reading`."""
    if for_reading:
        from .text_tables import round_for_reading

        frame = round_for_reading(frame)
    with atomic_path(path) as tmp:
        escape_frame(frame).to_csv(tmp, sep="\t", index=False, **kwargs)


def write_parquet(table: pa.Table, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


#: Rows per row group of a merged table: large enough for fast column scans, small enough that the merge
#: holds one group (about 100 MB at pairs.parquet's ~110 columns) and one shard in memory at a time.
MERGE_ROW_GROUP = 65_536


def concat_parquet(paths: Iterable[str | Path], schema: pa.Schema, out: str | Path,
                   row_group_size: int = MERGE_ROW_GROUP) -> int:
    """Concatenate shard files (same schema) into ``out``, streaming; return the row count.

    One shard is read at a time (cast to ``schema``: a shard with other columns or types that do not cast is
    an error naming the file) and buffered until ``row_group_size`` rows, which are written as one row
    group with ``pq.ParquetWriter``: the peak memory is one row group plus one shard, whatever the number
    of shards (no pandas copy; measured in ``workflow/benchmarks/bench_merge.py``).
    """
    n_rows, buffer, buffered = 0, [], 0
    with atomic_path(out) as tmp:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for k, path in enumerate(paths, start=1):
                if k % 1000 == 0:
                    log.info("%s: %d shards, %d rows so far", Path(out).name, k, n_rows)
                try:
                    # one small file: a single thread reads it 2-3x faster than a thread pool set up per file,
                    # and ParquetFile.read 20 % faster than read_table's dataset path; cast refuses other columns
                    table = pq.ParquetFile(path).read(use_threads=False)
                    if not table.schema.equals(schema):
                        table = table.cast(schema)
                except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError) as exc:
                    raise ValueError(f"{path}: not a shard table with the expected columns: {exc}") from exc
                if not table.num_rows:
                    continue
                buffer.append(table)
                buffered += table.num_rows
                n_rows += table.num_rows
                if buffered >= row_group_size:
                    writer.write_table(pa.concat_tables(buffer), row_group_size=row_group_size)
                    buffer, buffered = [], 0
            if buffer:
                writer.write_table(pa.concat_tables(buffer), row_group_size=row_group_size)
    return n_rows


#: Rows per batch when a Parquet table is written as TSV (one row group of a merged table).
TSV_BATCH_ROWS = 65_536


def parquet_to_tsv(parquet: str | Path, tsv: str | Path, batch_rows: int = TSV_BATCH_ROWS) -> int:
    """The Parquet table ``parquet`` as a TSV file (every column; numbers
    :func:`tfbind.text_tables.round_for_reading`, text by the escape rules of :func:`escape_frame`, empty cells
    for missing values; the cells of :func:`tfbind.text_tables.tsv_cells`), streamed ``batch_rows`` rows at a
    time, so memory does not grow with the table (10^6 pairs). Written atomically; returns the row count."""
    import pyarrow.compute as pc

    from .text_tables import tsv_cells

    source = pq.ParquetFile(parquet)
    names = source.schema_arrow.names
    n = 0
    with atomic_path(tsv) as tmp, open(tmp, "w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(escape_cell(str(c)) for c in names) + "\n")  # the header, even without rows
        for batch in source.iter_batches(batch_size=batch_rows, use_threads=False):
            if not batch.num_rows:
                continue
            columns = [tsv_cells(name, batch.column(j)) for j, name in enumerate(names)]
            lines = pc.binary_join_element_wise(*columns, "\t") if len(columns) > 1 else columns[0]
            handle.write("\n".join(lines.to_pylist()) + "\n")
            n += batch.num_rows
    return n
