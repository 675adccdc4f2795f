"""Incoming member e-mails in French, each labelled with the team it is routed to.

Each e-mail has a team, then an intent of that team that fits its sender (data/emails.yaml: a parent writes about
a newborn, an invited agent about the PSC link, a household with a hospital stay about its bill); its dates and
amounts come from the sender's own records (email_context.py). Texts are assembled from the intent's sentence
pools with Arrow string kernels, then made messy the way real mail is (email_text.py). Loops run over intents and
templates, never over e-mails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from datasets_synthetic import email_context, email_text, ids
from datasets_synthetic.claims import Lines
from datasets_synthetic.context import Chunk, Window
from datasets_synthetic.contracts import NO_END, Contracts, levels
from datasets_synthetic.money import Settlement
from datasets_synthetic.params import FAMILIES, Params
from datasets_synthetic.population import ROLES, SEXES, Employers, People, first_names

PER_CHUNK = 10**6
QUOTE_FAMILIES = {"devis_optique": "optics", "devis_dentaire": "dental_prosthesis", "devis_auditif": "hearing"}


@dataclass(frozen=True)
class Intent:
    team: int
    name: str
    spec: dict[str, Any]

    @property
    def needs_claim(self) -> bool:
        return "claim" in self.spec.get("requires", [])


@dataclass(frozen=True)
class Records:
    """The chunk's records an e-mail may draw on."""

    params: Params
    window: Window
    chunk: Chunk
    people: People
    contracts: Contracts
    employers: Employers
    lines: Lines
    settled: Settlement


@dataclass(frozen=True)
class Choice:
    """Who writes each e-mail, with which intent, about which claim line (-1: none)."""

    senders: email_context.Senders
    intents: list[Intent]
    main: np.ndarray
    claim: np.ndarray


def intents(params: Params) -> list[Intent]:
    """Every intent of every team, in file order (the index used throughout)."""
    out = []
    for team, (_, spec) in enumerate(params.emails["teams"].items()):
        for name, intent in spec["intents"].items():
            unknown = set(intent.get("requires", [])) - set(email_context.REQUIREMENTS)
            if unknown:
                raise ValueError(f"emails.yaml intent {name}: unknown requirements {sorted(unknown)}")
            out.append(Intent(team, name, intent))
    return out


def _choose(weights: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Row-wise weighted choice of a column (weights (n, k), all rows with a positive total)."""
    cdf = np.cumsum(weights, axis=1)
    return np.minimum((cdf < (u * cdf[:, -1])[:, None]).sum(axis=1), weights.shape[1] - 1)


def generate(
    params: Params,
    window: Window,
    chunk: Chunk,
    people: People,
    contracts: Contracts,
    employers: Employers,
    lines: Lines,
    settled: Settlement,
    rng: np.random.Generator,
) -> dict[str, pa.Array | np.ndarray]:
    spec = params.emails
    team_names = list(spec["teams"])
    teams = [spec["teams"][t] for t in team_names]
    count = rng.poisson(spec["emails_per_subscriber_per_year"] * window.years, contracts.subscriber_rows.size)
    sender = np.repeat(np.arange(count.size), count)
    n = sender.size
    if n >= PER_CHUNK:
        raise ValueError("too many e-mails in one chunk")
    # Agents invited to a PSC wave write about it far more often than others.
    share = np.array([t["share"] for t in teams])
    boosted = share.copy()
    boosted[team_names.index("cellule_reforme_psc")] *= spec["psc_team_boost"]
    invited = contracts.wave[sender] > 0
    team = np.where(
        invited,
        rng.choice(len(teams), n, p=boosted / boosted.sum()),
        rng.choice(len(teams), n, p=share / share.sum()),
    )

    s = email_context.senders(params, window, people, contracts, sender, rng)
    all_intents = intents(params)
    hi_row = np.where(people.death >= 0, np.minimum(people.death, window.end), window.end)
    claim_index = email_context.claim_index(params, people, lines, settled, hi_row)
    pools = {i: email_context.claim_pool(claim_index, it.spec) for i, it in enumerate(all_intents) if it.needs_claim}
    eligible = np.ones((n, len(all_intents)), dtype=bool)
    for i, it in enumerate(all_intents):
        for requirement in it.spec.get("requires", []):
            if requirement != "claim":
                eligible[:, i] &= s.flags[requirement]
        if i in pools:
            eligible[:, i] &= pools[i].count[s.row] > 0
    team_of = np.array([it.team for it in all_intents])
    weight = np.array([float(it.spec["share"]) for it in all_intents])
    fallback = np.array(
        [
            next(i for i, it in enumerate(all_intents) if it.team == t and not it.spec.get("requires"))
            for t in range(len(teams))
        ]
    )

    def choose_intent(wanted_team: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        w = np.where(allowed & (team_of[None, :] == wanted_team[:, None]), weight[None, :], 0.0)
        ok = w.sum(axis=1) > 0
        w[~ok, fallback[wanted_team[~ok]]] = 1.0
        return _choose(w, rng.random(n))

    main = choose_intent(team, eligible)
    # Some e-mails mix two topics: the detail comes from an intent of another team (never one about a claim).
    crossed = rng.random(n) < spec["cross_topic_share"]
    other = (team + rng.integers(1, len(teams), n)) % len(teams)
    no_claim = ~np.array([it.needs_claim for it in all_intents])
    detail_intent = np.where(crossed, choose_intent(other, eligible & no_claim[None, :]), main)

    claim = np.full(n, -1)
    for i, pool in pools.items():
        rows = main == i
        claim[rows] = email_context.pick_claims(pool, s.row[rows], rng.random(int(rows.sum())))
    records = Records(params, window, chunk, people, contracts, employers, lines, settled)
    choice = Choice(s, all_intents, main, claim)
    day, event = _days(records, choice, rng)
    slots = _slots(records, choice, day, event, rng)

    def part(
        key: str, which: np.ndarray, generic: np.ndarray | None = None, after: np.ndarray | None = None
    ) -> pa.Array:
        """A sentence of `which` intent's `key` pool (the generic pool where `generic`; not `after`'s sentence)."""
        pool: list[str] = []
        offsets, sizes = [], []
        for it in all_intents:
            offsets.append(len(pool))
            sizes.append(len(it.spec[key]))
            pool += it.spec[key]
        size = np.array(sizes)[which]
        if after is None:
            rank = (rng.random(n) * size).astype(np.int64)
        else:  # another sentence of the same pool than `after` (a different detail, never the same twice)
            rank = (after + 1 + (rng.random(n) * np.maximum(size - 1, 1)).astype(np.int64)) % size
        index = np.array(offsets)[which] + rank
        chosen[key] = rank
        if generic is not None:
            extra = spec[f"generic_{key}"]
            index = np.where(generic, len(pool) + rng.integers(0, len(extra), n), index)
            pool = pool + list(extra)
        return email_text.fill(pool, index, slots)

    chosen: dict[str, np.ndarray] = {}
    subject = part("subjects", main, rng.random(n) < spec["generic_subject_share"])
    opening = part("openings", main, rng.random(n) < spec["generic_opening_share"])
    detail = part("details", detail_intent)
    second = part("details", main, after=chosen["details"])
    with_second = pa.array((rng.random(n) < spec["second_detail_share"]) & ~crossed)
    message = pc.binary_join_element_wise(opening, " ", detail, "")
    message = pc.if_else(with_second, pc.binary_join_element_wise(message, " ", second, ""), message)
    noise = spec["noise"]
    message = email_text.misspell(message, noise["misspellings"], rng.random(n) < noise["misspelling_share"])
    typos = noise["typos_per_email"]
    message = email_text.swap_letters(
        message, rng.random(n) < noise["typo_share"], rng.integers(typos["min"], typos["max"] + 1, n), rng
    )
    greeting = ids.plain(ids.take(spec["greetings"], rng.integers(0, len(spec["greetings"]), n)))
    closing = ids.plain(ids.take(spec["closings"], rng.integers(0, len(spec["closings"]), n)))
    signature = email_text.fill(spec["signatures"], rng.integers(0, len(spec["signatures"]), n), slots)
    body = pc.binary_join_element_wise(greeting, "\n\n", message, "\n\n", closing, "\n", signature, "")
    body, subject = _quotes(spec, all_intents, main, body, subject, slots, rng)
    body = email_text.strip_accents(body, rng.random(n) < noise["strip_accents_share"])

    hours = np.asarray(spec["hour_weights"], dtype=float)
    hour = rng.choice(np.arange(24), n, p=hours / hours.sum())
    received = day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
    order = np.argsort(received, kind="stable")
    take = pa.array(order)
    return {
        "email_id": ids.prefixed("M", chunk.index * PER_CHUNK + np.arange(n), 10),
        "subscriber_id": ids.prefixed("B", people.number[s.row][order], 9),
        "received_at": received[order],
        "subject": subject.take(take),
        "body": body.take(take),
        "team": ids.take(team_names, team[order]),
    }


def _days(records: Records, choice: Choice, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The day each e-mail is sent and the day of the event it is about (a claim, a birth, a wave...)."""
    params, people, contracts, lines = records.params, records.people, records.contracts, records.lines
    s, all_intents, main, claim = choice.senders, choice.intents, choice.main, choice.claim
    spec = params.emails
    n = main.size
    when = np.array([it.spec.get("when", "any") for it in all_intents])[main]
    claim_lag = rng.integers(spec["claim_lag_days"]["min"], spec["claim_lag_days"]["max"] + 1, n)
    lag = rng.integers(spec["event_lag_days"]["min"], spec["event_lag_days"]["max"] + 1, n)
    anyday = s.lo + (rng.random(n) * np.maximum(s.hi - s.lo + 1, 1)).astype(np.int64)
    answer = params.contracts["collective_psc"]["waves"]["answer_days"]
    event = np.select(
        [when == "claim", when == "birth", when == "death", when == "wave", when == "start"],
        [
            lines.care[np.maximum(claim, 0)] if lines.size else anyday,
            people.birth[np.maximum(s.newborn, 0)],
            people.death[np.maximum(s.deceased_spouse, 0)],
            contracts.wave_opened[s.sub],
            np.minimum(contracts.col_start[s.sub], NO_END - 1),
        ],
        anyday - lag,
    )
    offset = np.select([when == "claim", when == "wave"], [claim_lag, rng.integers(0, answer + lag + 1)], lag)
    day = np.where(when == "any", anyday, event + offset)
    return np.clip(day, s.lo, np.maximum(s.hi, s.lo)), event


def _slots(
    records: Records, choice: Choice, day: np.ndarray, event: np.ndarray, rng: np.random.Generator
) -> dict[str, pa.Array]:
    """Every slot value of every e-mail (only the ones its templates name are used)."""
    params, window, chunk, people = records.params, records.window, records.chunk, records.people
    contracts, employers, lines, settled = records.contracts, records.employers, records.lines, records.settled
    s, all_intents, main, claim = choice.senders, choice.intents, choice.main, choice.claim
    spec = params.emails
    n = main.size
    row, sub = s.row, s.sub
    names = params.population["names"]
    c = contracts
    on_collective = (c.col_start[sub] <= day) & (day <= np.minimum(c.col_end[sub], NO_END))
    level = np.where(on_collective, c.col_level[sub], c.ind_level[sub])
    premium = np.where(on_collective, c.col_premium_cents[sub], c.ind_premium_cents[sub])
    employer = np.maximum(people.employer[row], 0)
    share = np.where(on_collective, c.col_share_cents[sub], employers.employer_share_cents[employer])
    debit = int(spec["debit_day"])
    month_start = day.astype("datetime64[D]").astype("datetime64[M]")
    this_month = month_start.astype("datetime64[D]").astype(np.int64) + debit - 1
    last_month = (month_start - 1).astype("datetime64[D]").astype(np.int64) + debit - 1
    answer = params.contracts["collective_psc"]["waves"]["answer_days"]
    wave_day = np.where(c.wave[sub] > 0, c.wave_opened[sub], day)  # only invited agents' templates name it
    start_or_psc = np.where(c.col_start[sub] < NO_END, c.col_start[sub], employers.psc_start[employer])

    # The claim each e-mail is about (rows without one read line 0: their templates never name these slots).
    assert lines.base is not None and lines.extra is not None
    if lines.size:
        line = np.maximum(claim, 0)
        family, patient = params.acts.family[lines.variant[line]], lines.person[line]
        billed, amc, left = (lines.base + lines.extra)[line], settled.amc_paid[line], settled.out_of_pocket[line]
    else:
        family, patient = np.zeros(n, np.int64), row
        billed = amc = left = np.zeros(n, np.int64)
    level_names = levels(params)
    relations = spec["relations"]

    def by_sex(templates: dict[str, str], who: np.ndarray, slot: str) -> pa.Array:
        """A relation phrase ("mon fils {prenom}") for each e-mail's household member `who`."""
        who = np.maximum(who, 0)
        first = ids.plain(first_names(params, people.sex[who], people.first_name[who]))
        return email_text.fill([templates[x] for x in SEXES], people.sex[who], {slot: first})

    patients = [spec["patients"][role][x] for role in ROLES for x in SEXES]
    young = np.array(["young_child" in it.spec.get("requires", []) for it in all_intents])[main]
    slots = {
        "prenom": ids.plain(first_names(params, people.sex[row], people.first_name[row])),
        "nom": ids.plain(ids.take(names["last"], people.last_name[row])),
        "numero": ids.prefixed("B", people.number[row], 9),
        "contrat": ids.prefixed("K", 2 * people.number[row] + on_collective, 10),
        "niveau": ids.plain(ids.take([spec["level_labels"][x] for x in level_names], level)),
        "cotisation": email_text.euros(premium),
        "part_employeur": email_text.euros(share),
        "date": email_text.dates(event),
        "date_reponse": email_text.dates((event + day) // 2),
        "date_prelevement": email_text.dates(np.where(day >= this_month, this_month, last_month)),
        "acte": ids.plain(ids.take([spec["act_phrases"][f] for f in FAMILIES], family)),
        "de_acte": ids.plain(ids.take([de(spec["act_phrases"][f]) for f in FAMILIES], family)),
        "pour_qui": email_text.fill(
            patients,
            people.role[patient] * 2 + people.sex[patient],
            {"prenom_patient": ids.plain(first_names(params, people.sex[patient], people.first_name[patient]))},
        ),
        "montant": email_text.euros(billed),
        "part_mutuelle": email_text.euros(amc),
        "reste": email_text.euros(left),
        "date_vague": email_text.dates(wave_day),
        "date_limite": email_text.dates(wave_day + answer - 1),
        "date_effet": email_text.dates(np.minimum(start_or_psc, NO_END - 1)),
        "employeur": ids.plain(ids.take(employers.table["name"], employer)),
        "enfant": by_sex(relations["child"], np.where(young, s.young_child, s.child), "prenom_enfant"),
        "naissance": by_sex(relations["newborn"], s.newborn, "prenom_enfant"),
        "conjoint_decede": email_text.fill(
            [relations["deceased_spouse"][x] for x in SEXES], people.sex[np.maximum(s.deceased_spouse, 0)], {}
        ),
        "anciennete": pc.cast(
            pa.array(np.floor((window.reference - c.ind_start[sub]) / 365.25).astype(np.int64)), pa.string()
        ),
        "reference": ids.prefixed("DOS", chunk.index * PER_CHUNK + np.arange(n), 10),
        "telephone": pc.binary_join_element_wise(
            spec["fiction_phone_prefix"] + " ",
            ids.to_strings(ids.digits(people.number[row] // 100 % 100, 2)),
            " ",
            ids.to_strings(ids.digits(people.number[row] % 100, 2)),
            "",
        ),
    }
    for slot, name in QUOTE_FAMILIES.items():
        slots[slot] = email_text.euros(_quote_amounts(params, lines, name, n, rng))
    return slots


def de(phrase: str) -> str:
    """French "de" + article: "la prise de sang" -> "de la prise de sang", "les lunettes" -> "des lunettes"."""
    for article, contracted in (("les ", "des "), ("le ", "du "), ("la ", "de la "), ("l'", "de l'")):
        if phrase.startswith(article):
            return contracted + phrase[len(article) :]
    return "de " + phrase


def _quote_amounts(params: Params, lines: Lines, family: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Quote amounts: what the chunk's members were billed for this kind of care (the 100 % Santé price if none)."""
    acts = params.acts
    code = FAMILIES.index(family)
    if lines.size and lines.base is not None and lines.extra is not None:
        same = np.flatnonzero((acts.family[lines.variant] == code) & (lines.fraud == 0))
        if same.size:
            return (lines.base + lines.extra)[same[rng.integers(0, same.size, n)]]
    sante = np.flatnonzero((acts.family == code) & acts.is_100_sante)
    return np.full(n, int(acts.price_limit_cents[sante[0]]) if sante.size else 0)


def _quotes(
    spec: dict[str, Any],
    all_intents: list[Intent],
    main: np.ndarray,
    body: pa.Array,
    subject: pa.Array,
    slots: dict[str, pa.Array],
    rng: np.random.Generator,
) -> tuple[pa.Array, pa.Array]:
    """Replies quoting the mutual's acknowledgement ("RE:"), and forwards of what the e-mail is about ("TR:")."""
    n = main.size
    noise = spec["noise"]
    kinds = list(spec["forwards"])
    forward_kind = np.array([kinds.index(it.spec["forward"]) if "forward" in it.spec else -1 for it in all_intents])[
        main
    ]
    forward = (forward_kind >= 0) & (rng.random(n) < noise["forward_share"])
    reply = ~forward & (rng.random(n) < noise["reply_share"])
    templates = [*(spec["forwards"][k] for k in kinds), spec["reply_quote"], ""]
    which = np.where(forward, forward_kind, np.where(reply, len(kinds), len(kinds) + 1))
    body = pc.binary_join_element_wise(body, email_text.fill(templates, which, slots), "")
    prefix = ids.plain(ids.take(["TR: ", "RE: ", ""], np.where(forward, 0, np.where(reply, 1, 2))))
    return body, pc.binary_join_element_wise(prefix, subject, "")
