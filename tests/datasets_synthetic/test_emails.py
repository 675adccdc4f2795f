"""E-mails: French, varied, from real subscribers, routed to teams whose names never appear in the text."""

from __future__ import annotations

import pandas as pd

from datasets_synthetic import params


def test_emails_come_from_real_subscribers_within_the_window(tables: dict[str, pd.DataFrame]) -> None:
    emails = tables["emails"]
    people = tables["beneficiaries"]
    assert len(emails) > 300
    assert emails.subscriber_id.isin(people[people.role == "subscriber"].beneficiary_id).all()
    assert emails.email_id.is_unique
    assert emails.received_at.between("2024-10-01", "2026-01-01").all()


def test_team_names_never_leak_into_the_text(tables: dict[str, pd.DataFrame]) -> None:
    emails = tables["emails"]
    text = (emails.subject + "\n" + emails.body).str.lower()
    teams = params.load().emails["teams"]
    assert set(emails.team) == set(teams)
    for team, spec in teams.items():
        for needle in (team, team.replace("_", " "), spec["label"].lower()):
            assert not text.str.contains(needle, regex=False).any(), needle


def test_texts_are_french_and_varied(tables: dict[str, pd.DataFrame]) -> None:
    emails = tables["emails"]
    assert emails.body.nunique() > 0.9 * len(emails)
    assert emails.body.str.contains(r"\b(?:je|vous|mon|ma|merci)\b", case=False).mean() > 0.95
    per_team = emails.groupby("team").subject.nunique()
    assert (per_team >= 4).all()
    # Signed with the sender's name: the text is linked to the subscriber, not just labelled.
    people = tables["beneficiaries"].set_index("beneficiary_id")
    sample = emails.head(50)
    last_names = people.loc[sample.subscriber_id, "last_name"].to_numpy()
    import unicodedata

    def plain(s: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")

    assert all(plain(name) in plain(body) for name, body in zip(last_names, sample.body, strict=True))


def test_psc_agents_write_more_often_to_the_psc_team(tables: dict[str, pd.DataFrame]) -> None:
    emails = tables["emails"]
    invited = set(tables["contracts"].loc[tables["contracts"].wave.notna(), "subscriber_id"])
    psc_share = emails.groupby(emails.subscriber_id.isin(invited)).team.apply(
        lambda t: (t == "cellule_reforme_psc").mean()
    )
    assert psc_share[True] > 2 * psc_share[False]
