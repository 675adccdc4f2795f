"""`generate()`: the whole dataset, chunk by chunk, reproducibly, with a progress bar.

Global pieces (employers, practitioners, the fraud plan) come first from their own seed stream; then each chunk of
members is generated from `SeedSequence(seed, spawn_key=(1, chunk))`, independently of the others, so the output
does not depend on how many worker processes run the chunks and memory is bounded by one chunk per worker.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from datasets_synthetic import (
    claims,
    contracts,
    dictionary,
    emails,
    fraud,
    ids,
    limits,
    money,
    population,
    practitioners,
    roster,
)
from datasets_synthetic.context import Chunk, Window
from datasets_synthetic.params import FAMILIES, Params, load
from datasets_synthetic.schema import TABLES
from datasets_synthetic.writer import (
    DICTIONARY,
    FORMATS,
    GENERATOR,
    MANIFEST,
    DatasetError,
    build,
    discard,
    prepare,
    publish,
    sha256,
    write_part,
)

# The generator's output version: same VERSION and same arguments give the same bytes, so it is bumped whenever a
# change alters what any arguments produce. `package_version` (the `academie` distribution) is recorded beside it.
VERSION = "2.0.0"
CHUNK_MEMBERS = 25_000
MAX_MEMBERS = 50_000_000  # beyond the French population's order of magnitude; `limits` computes the real ceiling
YEARS = range(2024, 2031)


@dataclass
class Manifest:
    """What was generated and how: enough to reproduce it and to check every file."""

    generator: str
    version: str
    parameters: dict[str, Any]
    window: dict[str, str]
    tables: dict[str, dict[str, Any]]
    data_files: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)
    package_version: str = ""
    # Realised labelled fraud: {"lines", "share", "by_type": {type: {"lines", "share"}}} (shares of all claim lines).
    fraud: dict[str, Any] = field(default_factory=dict)

    def rows(self, table: str) -> int:
        return int(self.tables[table]["rows"])

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class ChunkJob:
    chunk: Chunk
    seed: int
    year: int
    fmt: str
    directory: Path
    practitioners: practitioners.Practitioners
    plan: fraud.Plan


def validate(*, members: int, seed: int, year: int, fmt: str, chunk_members: int) -> None:
    if isinstance(members, bool) or not isinstance(members, int) or members < 1:
        raise DatasetError(f"members must be a positive whole number (got {members!r})")
    if members > MAX_MEMBERS:
        raise DatasetError(f"members={members:,} is absurd: the maximum is {MAX_MEMBERS:,} (the mutual has ≈ 4.5 M)")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise DatasetError(f"seed must be a whole number between 0 and 2**63 - 1 (got {seed!r})")
    if isinstance(year, bool) or not isinstance(year, int) or year not in YEARS:
        raise DatasetError(
            f"year must be between {YEARS.start} and {YEARS.stop - 1} (tariff tables cover it; got {year!r})"
        )
    if fmt not in FORMATS:
        raise DatasetError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if isinstance(chunk_members, bool) or not isinstance(chunk_members, int) or not 1000 <= chunk_members <= 1_000_000:
        raise DatasetError(f"chunk_members must be a whole number between 1,000 and 1,000,000 (got {chunk_members!r})")
    reason = limits.problem(load(), members=members, chunk_members=chunk_members, year=year)
    if reason is not None:
        raise DatasetError(reason)


def _rngs(seed: int, *key: int, count: int) -> list[np.random.Generator]:
    children = np.random.SeedSequence(seed, spawn_key=key).spawn(count)
    return [np.random.Generator(np.random.PCG64(child)) for child in children]


@dataclass(frozen=True)
class ChunkResult:
    rows: dict[str, int]
    fraud_lines: dict[str, int]


def run_chunk(job: ChunkJob) -> ChunkResult:
    """Generate and write one chunk of every per-member table; returns row counts and labelled fraud lines."""
    params = load()
    window = Window.for_year(job.year, params)
    chunk = job.chunk
    rng_people, rng_contracts, rng_claims, rng_fraud, rng_emails, rng_roster = _rngs(job.seed, 1, chunk.index, count=6)
    employers = population.employers(params)
    people = population.people(params, window, chunk, employers, rng_people)
    held = contracts.generate(params, window, people, employers, rng_contracts)
    lines = claims.draw(params, window, people, job.practitioners, rng_claims)
    lines = fraud.inject(params, job.plan, window, chunk, people, lines, job.practitioners, rng_fraud)
    claims.price(params, lines, people, job.practitioners, rng_claims)
    lines = fraud.duplicate(params, lines, rng_fraud)
    settled = money.settle(params, lines, people, contracts.cover(people, held), job.practitioners)
    tables = {
        "beneficiaries": population.table(params, people, employers),
        "contracts": contracts.table(params, people, held, employers),
        "claims": claims_table(params, chunk, people, lines, settled, job.practitioners),
        "emails": emails.generate(params, window, chunk, people, held, employers, lines, settled, rng_emails),
        "psc_roster": roster.generate(params, window, chunk, people, held, employers, rng_roster),
    }
    counts = {}
    for name, columns in tables.items():
        data = build(TABLES[name], columns)
        write_part(data, job.directory / name, chunk.index, job.fmt)
        counts[name] = data.num_rows
    by_type = np.bincount(lines.fraud, minlength=len(fraud.FRAUD_TYPES) + 1)[1:]
    return ChunkResult(counts, {name: int(k) for name, k in zip(fraud.FRAUD_TYPES, by_type, strict=True)})


def claims_table(
    params: Params,
    chunk: Chunk,
    people: population.People,
    lines: claims.Lines,
    settled: money.Settlement,
    providers: practitioners.Practitioners,
) -> dict[str, Any]:
    """The published `claims` columns, sorted by care date then person (fraud lines are not grouped at the end)."""
    assert lines.base is not None and lines.extra is not None and lines.amo_rate is not None and lines.paid is not None
    # Two stable sorts make the (care date, person) order: by person first (lines come nearly sorted by person,
    # which timsort exploits), then by day as 16-bit integers (a radix sort): 4 times faster than one 64-bit key.
    by_person = np.argsort(lines.person, kind="stable")
    first_day = int(lines.care.min()) if lines.size else 0
    order = by_person[np.argsort((lines.care[by_person] - first_day).astype(np.int16), kind="stable")]
    v = lines.variant[order]
    fraud_code = lines.fraud[order]

    def eur(values: np.ndarray) -> np.ndarray:
        return values[order] / 100

    return {
        "claim_id": ids.prefixed("P", chunk.index * 10**9 + np.arange(order.size), 13),
        "beneficiary_id": ids.take(ids.prefixed("B", people.number, 9), lines.person[order]),
        "practitioner_id": ids.take(providers.table["practitioner_id"], lines.practitioner[order]),
        "care_date": lines.care[order],
        "paid_date": lines.paid[order],
        "act_code": ids.take(params.acts.codes, params.acts.code_index[v]),
        "act_family": ids.take(list(FAMILIES), params.acts.family[v]),
        "quantity": lines.quantity[order].astype(np.int16),
        "amount_billed": eur(lines.base + lines.extra),
        "reimbursement_base": eur(lines.base),
        "amo_rate": lines.amo_rate[order],
        "amo_paid": eur(settled.amo_paid),
        "flat_participation": eur(settled.flat_participation),
        "deductible": eur(settled.deductible),
        "extra_fees": eur(lines.extra),
        "amc_paid": eur(settled.amc_paid),
        "out_of_pocket": eur(settled.out_of_pocket),
        "is_100_sante": settled.is_100_sante[order],
        "fraud_type": ids.take(list(fraud.FRAUD_TYPES), np.maximum(fraud_code - 1, 0), valid=fraud_code > 0),
    }


def generate(
    *,
    out: Path | str,
    members: int = 20000,
    seed: int = 42,
    year: int = 2025,
    fmt: str = "parquet",
    force: bool = False,
    progress: bool = False,
    workers: int | None = None,
    chunk_members: int = CHUNK_MEMBERS,
) -> Manifest:
    """Generate the synthetic dataset under `out`; same arguments give byte-identical files.

    `workers` (processes) changes speed only; `chunk_members` changes the output (it fixes the seed streams).
    """
    validate(members=members, seed=seed, year=year, fmt=fmt, chunk_members=chunk_members)
    out = Path(out).expanduser().absolute()
    params = load()
    window = Window.for_year(year, params)
    temporary = prepare(out, force=force)
    try:
        manifest = _generate_into(temporary, params, window, members, seed, year, fmt, progress, workers, chunk_members)
        # The dictionary describes the manifest's figures, then the manifest records the dictionary's checksum too.
        (temporary / DICTIONARY).write_text(dictionary.render(params, manifest), encoding="utf-8")
        manifest.files = dict(sorted({**manifest.files, DICTIONARY: sha256(temporary / DICTIONARY)}.items()))
        (temporary / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        publish(temporary, out)
    except BaseException:
        discard(temporary)
        raise
    return manifest


def verify(root: Path | str) -> list[str]:
    """Problems found when checking a dataset against its manifest (missing or altered files); empty when intact."""
    root = Path(root)
    manifest_path = root / MANIFEST
    if not manifest_path.exists():
        return [f"{manifest_path} is missing: generate the dataset with `academy data generate --out {root}`"]
    recorded = json.loads(manifest_path.read_text(encoding="utf-8"))
    problems = []
    for relative, digest in sorted(recorded["files"].items()):
        path = root / relative
        if not path.exists():
            problems.append(f"{relative} is missing")
        elif sha256(path) != digest:
            problems.append(f"{relative} differs from the manifest (sha256)")
    return problems


def _generate_into(
    directory: Path,
    params: Params,
    window: Window,
    members: int,
    seed: int,
    year: int,
    fmt: str,
    show: bool,
    workers: int | None,
    chunk_members: int,
) -> Manifest:
    (rng_global,) = _rngs(seed, 0, count=1)
    employers = population.employers(params)
    providers = practitioners.generate(params, members, rng_global)
    plan = fraud.plan(params, window, providers, members, rng_global)
    counts: dict[str, int] = {}
    for name, columns in (("employers", employers.table), ("practitioners", providers.table)):
        data = build(TABLES[name], columns)
        write_part(data, directory / name, 0, fmt)
        counts[name] = data.num_rows

    n_chunks = -(-members // chunk_members)
    jobs = [
        ChunkJob(
            Chunk(i, n_chunks, min(chunk_members, members - i * chunk_members), i * chunk_members),
            seed,
            year,
            fmt,
            directory,
            providers,
            plan,
        )
        for i in range(n_chunks)
    ]
    workers = max(1, min(workers or (os.cpu_count() or 1), n_chunks))
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show,
    ) as bar:
        task = bar.add_task(f"Génération de {members:,} personnes protégées".replace(",", " "), total=n_chunks)
        if workers == 1:
            results: list[ChunkResult] = []
            for job in jobs:
                results.append(run_chunk(job))
                bar.advance(task)
        else:
            # Workers come from a fork server (a clean, thread-free process with the generator preloaded): forking
            # this process directly would copy Arrow's and BLAS's thread pools mid-flight.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["datasets_synthetic.generator"])
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [pool.submit(run_chunk, job) for job in jobs]
                for future in as_completed(futures):
                    future.result()
                    bar.advance(task)
                results = [f.result() for f in futures]
    fraud_lines = dict.fromkeys(fraud.FRAUD_TYPES, 0)
    for result in results:
        for name, rows in result.rows.items():
            counts[name] = counts.get(name, 0) + rows
        for name, k in result.fraud_lines.items():
            fraud_lines[name] += k

    files = {str(p.relative_to(directory)): sha256(p) for p in sorted(directory.rglob(f"*.{fmt}"))}
    tables = {
        name: {"rows": counts[name], "parts": sum(1 for f in files if f.startswith(name + "/"))} for name in TABLES
    }
    return Manifest(
        generator=GENERATOR,
        version=VERSION,
        package_version=package_version(),
        parameters={"members": members, "seed": seed, "year": year, "format": fmt, "chunk_members": chunk_members},
        window={"start": str(np.datetime64(window.start, "D")), "end": str(np.datetime64(window.end, "D"))},
        tables=tables,
        data_files=dict(sorted(params.file_hashes.items())),
        files=files,
        fraud=_prevalence(fraud_lines, counts["claims"]),
    )


def package_version() -> str:
    """Version of the installed `academie` distribution this generator belongs to ("unknown" from a bare checkout)."""
    try:
        return metadata.version("academie")
    except metadata.PackageNotFoundError:
        return "unknown"


def _prevalence(fraud_lines: dict[str, int], total: int) -> dict[str, Any]:
    """Counts and shares (of all claim lines) of each labelled fraud type, as the manifest and dictionary show them."""

    def share(k: int) -> float:
        return round(k / total, 6) if total else 0.0

    every = sum(fraud_lines.values())
    return {
        "lines": every,
        "share": share(every),
        "by_type": {name: {"lines": k, "share": share(k)} for name, k in fraud_lines.items()},
    }
