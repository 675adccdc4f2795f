"""The progress service seen from the grader: a few idempotent HTTP calls with the grader's service token."""

from __future__ import annotations

from typing import Any

import httpx


class ProgressError(RuntimeError):
    """The progress service refused or could not be reached; the message says what to check."""


class ProgressClient:
    def __init__(self, *, base_url: str, token: str | None, timeout: float = 15.0) -> None:
        if not token:
            raise ProgressError(
                "no grader token: set ACADEMY_GRADER_TOKEN (`academy api token create --role grader --user grader`)"
            )
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=timeout
        )

    def _call(self, method: str, path: str, json: dict[str, Any]) -> dict[str, Any]:
        last: Exception | None = None
        for _attempt in range(3):  # every call is idempotent, so retrying a network hiccup is safe
            try:
                response = self._http.request(method, f"/api/v1{path}", json=json)
            except httpx.TransportError as exc:
                last = exc
                continue
            if response.status_code >= 400:
                raise ProgressError(f"{method} {path} -> {response.status_code}: {response.text[:1000]}")
            return response.json() if response.content else {}
        raise ProgressError(f"progress service unreachable at {self._http.base_url}: {last}")

    def put_competencies(self, competencies: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("PUT", "/competencies", {"competencies": competencies})

    def put_course(self, course: str, *, title: str, order: int) -> dict[str, Any]:
        return self._call("PUT", f"/courses/{course}", {"title": title, "order": order})

    def put_assignment(self, course: str, assignment: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call("PUT", f"/courses/{course}/assignments/{assignment}", body)

    def put_release(self, cohort: str, course: str, assignment: str, *, due_date: str | None, released_at: str) -> Any:
        return self._call(
            "PUT",
            f"/cohorts/{cohort}/releases/{course}/{assignment}",
            {"due_date": due_date, "released_at": released_at},
        )

    def ingest_grades(self, grades: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "/ingest/grades", {"grades": grades})

    def close(self) -> None:
        self._http.close()
