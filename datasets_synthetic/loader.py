"""`load()`: one line for notebooks to read a published table as a pandas DataFrame.

Types are restored from the schema whatever the storage format: dates as `datetime64`, ids as strings, money as
floats in euros, so a notebook written on the Parquet demo also runs on a CSV export.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds

from datasets_synthetic.config import get_settings
from datasets_synthetic.schema import TABLES


def load(table: str, *, root: Path | str | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Read table `table` of the dataset at `root` (default: `ACADEMY_DATASETS`)."""
    if table not in TABLES:
        raise ValueError(f"table inconnue {table!r} : tables disponibles {', '.join(sorted(TABLES))}")
    definition = TABLES[table]
    if columns is not None:
        unknown = [c for c in columns if c not in definition.names]
        if unknown:
            raise ValueError(f"colonnes inconnues dans {table} : {unknown} ; colonnes : {definition.names}")
    base = Path(root) if root is not None else get_settings().dataset_root
    directory = base / table
    parquet = sorted(directory.glob("part-*.parquet"))
    csv = sorted(directory.glob("part-*.csv"))
    if not parquet and not csv:
        raise FileNotFoundError(
            f"aucun fichier pour la table {table!r} dans {directory} : générez les données avec "
            f"`academy data generate --out {base}` ou vérifiez ACADEMY_DATASETS"
        )
    schema = definition.arrow_schema
    if parquet:
        dataset = ds.dataset([str(p) for p in parquet], schema=schema, format="parquet")
    else:
        options = pacsv.ConvertOptions(column_types={f.name: f.type for f in schema}, strings_can_be_null=True)
        dataset = ds.dataset([str(p) for p in csv], schema=schema, format=ds.CsvFileFormat(convert_options=options))
    data: pa.Table = dataset.to_table(columns=columns)
    return data.to_pandas(date_as_object=False)
