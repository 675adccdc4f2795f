"""The web gradebook: the at-risk list is paginated (not cut at 20) and a course filter narrows the matrix, its
charts and its export links."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.progress_api.web.conftest import build_gradebook

Login = Callable[[str], TestClient]


def _at_risk_section(html: str) -> str:
    return html.split('id="a-surveiller"')[1].split("</section>")[0]


def test_every_learner_at_risk_is_reachable_page_by_page(client: TestClient, demo: Any, login: Login) -> None:
    build_gradebook(client, demo, learners=60)  # everyone's last activity is in January 2026: all 60 at risk
    login("formateur")
    seen: set[str] = set()
    for number in (1, 2, 3):
        page = client.get("/promotions/demo-2026", params={"tri": "moyenne", "risque": number})
        section = _at_risk_section(page.text)
        assert "À surveiller (60)" in section and f"Page {number} sur 3 (60 au total)" in section
        names = re.findall(r"/apprenants/([a-z0-9]+)\">", section)
        assert len(names) == (25 if number < 3 else 10)
        seen.update(names)
        if number < 3:  # the next page keeps the gradebook's sort and comes back to this section
            assert f"tri=moyenne&amp;ordre=asc&amp;page=1&amp;risque={number + 1}#a-surveiller" in section
    assert len(seen) == 60


def test_the_course_filter_narrows_columns_charts_and_exports(client: TestClient, demo: Any, login: Login) -> None:
    build_gradebook(client, demo, learners=5)
    admin = demo.h("admin")
    assert client.put("/api/v1/courses/c-bis", json={"title": "Cours bis", "order": 2}, headers=admin).is_success
    body = {"title": "Bis", "points": 1, "exercises": [{"id": "ex01", "max_score": 1, "kind": "auto"}]}
    assert client.put("/api/v1/courses/c-bis/assignments/b01", json=body, headers=admin).is_success
    assert client.put("/api/v1/cohorts/demo-2026/releases/c-bis/b01", json={}, headers=admin).is_success
    login("formateur")
    everything = client.get("/promotions/demo-2026").text
    assert "a01" in everything and "b01" in everything
    assert '<option value="c-bis">c-bis</option>' in everything
    page = client.get("/promotions/demo-2026", params={"cours": "c-test"})
    table = page.text.split('id="gradebook"')[1].split("</table>")[0]
    assert "a01" in table and "b01" not in table
    assert '<option value="c-test" selected>c-test</option>' in page.text
    for link in ("/exports/gradebook.csv?course=c-test", "/exports/grades.csv?course=c-test"):
        assert link in page.text
    chart = re.search(r'src="([^"]*distribution\.png\?course=c-test)"', page.text)
    assert chart is not None and client.get(chart.group(1)).content.startswith(b"\x89PNG")
    assert "cours=c-test" in page.text.split("<thead>")[1].split("</thead>")[0]  # sorting keeps the filter
