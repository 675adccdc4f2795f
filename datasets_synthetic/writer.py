"""Writing tables reproducibly and atomically: fixed writer options, no timestamps, temporary sibling directory.

Same inputs give byte-identical files: Parquet options are pinned (compression, row groups, statistics, format
version), tables are built from Arrow arrays (no pandas metadata) and nothing time-dependent is written. A dataset
is written under `.<name>.tmp-<pid>` next to the target and renamed into place only once complete, so a failed or
interrupted run never leaves a half-written dataset where a reader would find it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from datasets_synthetic.schema import Table

FORMATS = ("parquet", "csv")
GENERATOR = "datasets_synthetic"  # the manifest's `generator`: what marks a directory as a dataset we may replace
MANIFEST = "manifest.json"
DICTIONARY = "DICTIONNAIRE.md"
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "row_group_size": 262_144,
    "version": "2.6",
    "data_page_version": "1.0",
    # No Arrow schema in the metadata: dictionary-encoded string columns then read back as plain strings, and the
    # loader restores exact types from schema.py anyway.
    "store_schema": False,
}


class DatasetError(ValueError):
    """A problem the user can fix (bad parameter, unusable output directory): the message says how."""


def to_arrow(value: pa.Array | np.ndarray, type_: pa.DataType) -> pa.Array:
    """Convert a generator column to the schema type (dates arrive as day numbers, timestamps as seconds)."""
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.DictionaryArray) and value.type.value_type == type_:
        return value  # kept dictionary-encoded for writing; readers see `type_` (see store_schema below)
    if isinstance(value, pa.Array):
        return value if value.type == type_ else value.cast(type_)
    mask = np.ma.getmaskarray(value) if isinstance(value, np.ma.MaskedArray) else None
    data = np.ma.getdata(value)
    if pa.types.is_date32(type_):
        array = pa.array(data.astype(np.int32), pa.int32(), mask=mask).view(pa.date32())
    elif pa.types.is_timestamp(type_):
        array = pa.array(data.astype(np.int64), pa.int64(), mask=mask).view(type_)
    else:
        array = pa.array(data, mask=mask)
    return array if array.type == type_ else array.cast(type_)


def build(table: Table, columns: dict[str, pa.Array | np.ndarray]) -> pa.Table:
    """An Arrow table in schema order; refuses missing or unexpected columns (the schema is the contract)."""
    if set(columns) != set(table.names):
        missing, unexpected = set(table.names) - set(columns), set(columns) - set(table.names)
        raise RuntimeError(f"{table.name}: columns differ from the schema (missing {missing}, unexpected {unexpected})")
    arrays = [to_arrow(columns[c.name], c.type) for c in table.columns]
    fields = [pa.field(c.name, a.type, nullable=c.nullable) for c, a in zip(table.columns, arrays, strict=True)]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_part(data: pa.Table, directory: Path, part: int, fmt: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"part-{part:05d}.{fmt}"
    if fmt == "parquet":
        pq.write_table(data, path, **PARQUET_OPTIONS)
    else:
        plain = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in data.columns]
        data = pa.Table.from_arrays(plain, names=data.column_names)
        pacsv.write_csv(data, path, pacsv.WriteOptions(include_header=True, batch_size=65_536))
    return path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def prepare(out: Path, *, force: bool) -> Path:
    """Check the target and create the temporary sibling directory; nothing is touched on error."""
    out = out.expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise DatasetError(f"{out} exists and is not a directory: choose another --out")
    if out.is_dir() and any(out.iterdir()):
        if not force:
            raise DatasetError(f"{out} is not empty: pass --force (force=True) to replace it, or choose another --out")
        refuse_unless_replaceable(out)
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temporary = parent / f".{out.name}.tmp-{os.getpid()}"
        if temporary.exists():
            shutil.rmtree(temporary)
        temporary.mkdir()
    except OSError as error:
        raise DatasetError(f"cannot write next to {out} ({error.strerror}): choose a writable --out") from error
    return temporary


def foreign_content(out: Path) -> str | None:
    """Why `out` is not ours to replace (None when it is an empty directory or a dataset this generator wrote).

    Ours means: a `manifest.json` written by this generator, and no file the manifest does not list (besides the
    manifest and DICTIONNAIRE.md), so `--force` never deletes a repository, a home directory or notes a user added.
    """
    if not any(out.iterdir()):
        return None
    manifest_path = out / MANIFEST
    try:
        recorded = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"it has no readable {MANIFEST}"
    if (
        not isinstance(recorded, dict)
        or recorded.get("generator") != GENERATOR
        or not isinstance(recorded.get("files"), dict)
    ):
        return f"its {MANIFEST} was not written by {GENERATOR}"
    known = set(recorded["files"]) | {MANIFEST, DICTIONARY}
    for directory, _, names in os.walk(out):
        for name in names:
            relative = (Path(directory) / name).relative_to(out).as_posix()
            if relative not in known:
                return f"it holds {relative}, which its {MANIFEST} does not list"
    return None


def refuse_unless_replaceable(out: Path) -> None:
    reason = foreign_content(out)
    if reason is not None:
        raise DatasetError(
            f"{out} is not a dataset written by this generator ({reason}): --force only replaces an empty directory "
            "or a dataset made by `academy data generate`. Choose another --out, or move its content away yourself."
        )


def publish(temporary: Path, out: Path) -> None:
    """Move the finished dataset into place; an existing one (with --force) is replaced only now.

    The target is checked again here: a file a user put into it while the dataset was generated is not deleted.
    """
    out = out.expanduser().absolute()
    old = None
    if out.exists():
        refuse_unless_replaceable(out)
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        out.rename(old)
    temporary.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(temporary: Path) -> None:
    shutil.rmtree(temporary, ignore_errors=True)
