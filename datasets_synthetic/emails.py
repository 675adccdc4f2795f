"""Incoming member e-mails in French, each labelled with the team it is routed to.

Texts are assembled from per-team sentence pools (data/emails.yaml) with slots filled from the member's data,
vectorised per template with Arrow string kernels (no Python loop over e-mails).
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets_synthetic import ids
from datasets_synthetic.context import Chunk, Window, year_month
from datasets_synthetic.contracts import Contracts
from datasets_synthetic.params import Params
from datasets_synthetic.population import People, first_names

SLOT = re.compile(r"\{(\w+)\}")
PER_CHUNK = 10**6


def fill(templates: list[str], index: np.ndarray, slots: dict[str, pa.Array]) -> pa.Array:
    """Strings `templates[index[i]]` with `{slot}` replaced by `slots[slot][i]`, one Arrow join per template."""
    n = index.size
    pieces: list[pa.Array] = []
    positions: list[np.ndarray] = []
    for t in np.unique(index):
        rows = np.flatnonzero(index == t)
        parts: list[pa.Array | str] = []
        for k, chunk in enumerate(SLOT.split(templates[int(t)])):
            if k % 2:
                parts.append(slots[chunk].take(pa.array(rows)))
            elif chunk:
                parts.append(chunk)
        if not any(isinstance(p, pa.Array) for p in parts):
            pieces.append(pa.array(["".join(str(p) for p in parts)] * rows.size, pa.string()))
        else:
            pieces.append(pc.binary_join_element_wise(*parts, ""))
        positions.append(rows)
    if not pieces:
        return pa.array([], pa.string())
    combined = pa.concat_arrays([p.cast(pa.string()) for p in pieces])
    inverse = np.empty(n, dtype=np.int64)
    inverse[np.concatenate(positions)] = np.arange(n)
    return combined.take(pa.array(inverse))


def _euros(cents: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(
        pc.cast(pa.array(cents // 100), pa.string()), ids.to_strings(ids.digits(cents % 100, 2)), ","
    )


def _dates(day: np.ndarray) -> pa.Array:
    year, month = year_month(day)
    month_start = np.asarray(day, dtype="datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")
    dom = np.asarray(day, dtype=np.int64) - month_start.astype(np.int64) + 1
    slash = ids.constant("/", day.size)
    return ids.to_strings(
        np.concatenate([ids.digits(dom, 2), slash, ids.digits(month, 2), slash, ids.digits(year, 4)], axis=1)
    )


def generate(
    params: Params, window: Window, chunk: Chunk, people: People, contracts: Contracts, rng: np.random.Generator
) -> dict[str, pa.Array | np.ndarray]:
    spec = params.emails
    team_names = list(spec["teams"])
    teams = [spec["teams"][t] for t in team_names]
    subs = contracts.subscriber_rows
    count = rng.poisson(spec["emails_per_subscriber_per_year"] * window.years, subs.size)
    sender = np.repeat(np.arange(subs.size), count)
    n = sender.size
    if n >= PER_CHUNK:
        raise ValueError("too many e-mails in one chunk")
    row = subs[sender]
    # Agents invited to a PSC wave write about it far more often than others.
    share = np.array([t["share"] for t in teams])
    psc_team = team_names.index("cellule_reforme_psc")
    boosted = share.copy()
    boosted[psc_team] *= spec["psc_team_boost"]
    invited = contracts.wave[sender] > 0
    team = np.where(
        invited,
        rng.choice(len(teams), n, p=boosted / boosted.sum()),
        rng.choice(len(teams), n, p=share / share.sum()),
    )
    lo = np.maximum(window.start, people.birth[row] + int(params.population["adult_age"] * 365.25))
    hi = np.where(people.death[row] >= 0, np.minimum(people.death[row], window.end), window.end)
    day = lo + (rng.random(n) * np.maximum(hi - lo + 1, 1)).astype(np.int64)
    hours = np.asarray(spec["hour_weights"], dtype=float)
    hour = rng.choice(np.arange(24), n, p=hours / hours.sum())
    received = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)

    slots = {
        "prenom": ids.plain(first_names(params, people.sex[row], people.first_name[row])),
        "nom": ids.plain(ids.take(params.population["names"]["last"], people.last_name[row])),
        "montant": _euros(np.round(np.exp(rng.normal(4.3, 1.0, n)) * 100).astype(np.int64)),
        "date": _dates(np.maximum(day - rng.integers(3, 60, n), window.start)),
        "acte": ids.plain(ids.take(spec["acts"], rng.integers(0, len(spec["acts"]), n))),
        "numero": ids.prefixed("B", people.number[row], 9),
    }

    def pick(key: str, topic: np.ndarray, generic: np.ndarray | None = None, generic_key: str = "") -> pa.Array:
        """A sentence of `topic`'s pool for `key` (or of the generic pool where `generic` is set)."""
        pool: list[str] = []
        offsets = []
        for t in teams:
            offsets.append(len(pool))
            pool += t[key]
        sizes = np.array([len(t[key]) for t in teams])
        index = np.array(offsets)[topic] + (rng.random(n) * sizes[topic]).astype(np.int64)
        if generic is not None:
            extra = spec[generic_key]
            index = np.where(generic, len(pool) + rng.integers(0, len(extra), n), index)
            pool = pool + list(extra)
        return fill(pool, index, slots)

    # Some e-mails only reveal their topic late, or mix two topics: routing is not a lookup table.
    generic = rng.random(n) < spec["generic_opening_share"]
    other_topic = (team + rng.integers(1, len(teams), n)) % len(teams)
    detail_topic = np.where(rng.random(n) < spec["cross_topic_share"], other_topic, team)
    subject = pick("subjects", team, rng.random(n) < spec["generic_subject_share"], "generic_subjects")
    opening = pick("openings", team, generic, "generic_openings")
    detail = pick("details", detail_topic)
    greeting = ids.plain(ids.take(spec["greetings"], rng.integers(0, len(spec["greetings"]), n)))
    closing = ids.plain(ids.take(spec["closings"], rng.integers(0, len(spec["closings"]), n)))
    signature = pc.binary_join_element_wise(slots["prenom"], slots["nom"], " ")
    body = pc.binary_join_element_wise(greeting, "\n\n", opening, " ", detail, "\n\n", closing, "\n", signature, "")
    strip = pa.array(rng.random(n) < spec["strip_accents_share"])
    plain = pc.replace_substring_regex(pc.utf8_normalize(body, "NFD"), r"\p{Mn}", "")
    body = pc.if_else(strip, plain, body)

    order = np.argsort(received, kind="stable")
    take = pa.array(order)
    return {
        "email_id": ids.prefixed("M", chunk.index * PER_CHUNK + np.arange(n), 10),
        "subscriber_id": ids.prefixed("B", people.number[row][order], 9),
        "received_at": received[order],
        "subject": subject.take(take),
        "body": body.take(take),
        "team": ids.take(team_names, team[order]),
    }
