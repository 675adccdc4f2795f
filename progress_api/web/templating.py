"""Jinja2 environment of the pages: French formatting filters and one `render` helper.

`render` adds what every page needs (prefix, current user, CSRF token) and sets the CSRF cookie on first visit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from progress_api.core import csrf

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
PARIS = ZoneInfo("Europe/Paris")  # the academy's people read times in Paris time

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

ROLE_LABELS = {
    "admin": "administration",
    "cedia": "CEDIA",
    "trainer": "formateur·rice",
    "learner": "apprenant·e",
    "grader": "correcteur automatique",
}


@dataclass(frozen=True)
class WebUser:
    """The signed-in person as the templates see them."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    via_hub: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def can_cedia(self) -> bool:
        return bool({"cedia", "admin"} & set(self.roles))

    @property
    def can_train(self) -> bool:
        return bool({"trainer", "cedia", "admin"} & set(self.roles))

    @property
    def is_learner(self) -> bool:
        return "learner" in self.roles

    @property
    def role_label(self) -> str:
        for role in ("admin", "cedia", "trainer", "learner"):
            if role in self.roles:
                return ROLE_LABELS[role]
        return ", ".join(self.roles)


def fdate(value: date | datetime | None) -> str:
    """'12 mars 2025'."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(PARIS).date() if value.tzinfo else value.date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def fdatetime(value: datetime | None) -> str:
    """'12 mars 2025 à 14 h 05' in Paris time."""
    if value is None:
        return "—"
    local = value.astimezone(PARIS) if value.tzinfo else value
    return f"{fdate(local.date())} à {local.hour} h {local.minute:02d}"


def pct(value: float | None, digits: int = 0) -> str:
    """'72 %' (French spacing), '—' when there is nothing to show."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",") + "\u202f%"


def score_colour(value: float | None) -> str:
    """Background colour of a gradebook cell: red (0 %) through amber to green (100 %), light enough to read."""
    if value is None:
        return "#f7fafc"
    hue = max(0.0, min(100.0, value)) * 1.2  # 0 → red (0°), 100 → green (120°)
    return f"hsl({hue:.0f}, 65%, 85%)"


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fdate=fdate, fdatetime=fdatetime, pct=pct, score_colour=score_colour)
    return env


_ENV = build_environment()


def render(
    request: Request,
    template: str,
    *,
    prefix: str,
    secret: str,
    user: WebUser | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `template` with the common context; set the CSRF cookie when the browser has none yet."""
    cookie = request.cookies.get(csrf.CSRF_COOKIE)
    fresh = cookie is None
    if cookie is None:
        cookie = csrf.new_cookie_value()
    html = _ENV.get_template(template).render(
        prefix=prefix, user=user, csrf_token=csrf.token_for(cookie, secret=secret), **context
    )
    response = HTMLResponse(html, status_code=status_code)
    if fresh:
        response.set_cookie(csrf.CSRF_COOKIE, cookie, httponly=True, samesite="lax", path=prefix or "/")
    return response
