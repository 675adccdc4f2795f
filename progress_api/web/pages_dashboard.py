"""The CEDIA portfolio dashboard: KPI tiles, tables, and matplotlib charts rendered on the server.

Charts are PNGs served by `/cedia/graphiques/<name>.png`, drawn once per distinct data (see `charts.ChartCache`)
and sent with an ETag, so a reload with unchanged figures costs a few queries and a 304.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import Response
from matplotlib.figure import Figure

from progress_api.services.cedia_portfolio import PortfolioKpis, portfolio_kpis
from progress_api.services.cedia_rules import MAIN_PATH
from progress_api.web import charts
from progress_api.web.deps import WebDep

router = APIRouter(prefix="/cedia", tags=["pages"], include_in_schema=False)

CACHE = charts.ChartCache()
SIZE = (6.0, 3.4)

CHARTS: dict[str, tuple[str, Callable[[PortfolioKpis], tuple[str, Callable[[Figure], None]]]]] = {}


def chart(name: str, title: str) -> Callable[[Callable[[PortfolioKpis], Callable[[Figure], None]]], None]:
    """Register a dashboard chart: a function from the KPIs to a drawing (its data is the cache key)."""

    def register(build: Callable[[PortfolioKpis], Callable[[Figure], None]]) -> None:
        CHARTS[name] = (title, lambda k: (build.__name__, build(k)))

    return register


@chart("entonnoir", "Projets par étape")
def _funnel(k: PortfolioKpis) -> Callable[[Figure], None]:
    return charts.hbar("Projets par étape (entonnoir)", [f.label for f in k.funnel], [f.count for f in k.funnel])


@chart("durees", "Temps médian par étape")
def _durations(k: PortfolioKpis) -> Callable[[Figure], None]:
    rows = [t for t in k.time_in_stages if t.stage in MAIN_PATH and t.median_days is not None]
    return charts.hbar(
        "Temps médian passé par étape (jours)", [t.label for t in rows], [t.median_days or 0 for t in rows], unit=" j"
    )


@chart("debit", "Débit par trimestre")
def _throughput(k: PortfolioKpis) -> Callable[[Figure], None]:
    quarters = k.throughput
    return charts.grouped_bars(
        "Débit par trimestre",
        [q.quarter for q in quarters],
        {
            "démarrés": [q.started for q in quarters],
            "livrés": [q.delivered for q in quarters],
            "autonomes": [q.autonomous for q in quarters],
            "abandonnés": [q.abandoned for q in quarters],
        },
    )


@chart("directions", "Projets par direction")
def _units(k: PortfolioKpis) -> Callable[[Figure], None]:
    return charts.hbar("Projets par direction", [short_unit(u.unit) for u in k.per_unit], [u.total for u in k.per_unit])


@chart("relais", "Relais data par direction (objectif ×3)")
def _relays(k: PortfolioKpis) -> Callable[[Figure], None]:
    units = k.relays.units
    return charts.goal_bars(
        f"Relais data par direction (objectif ×{k.relays.goal_factor})",
        [short_unit(u.unit) for u in units],
        [u.current for u in units],
        [u.goal for u in units],
    )


def short_unit(unit: str) -> str:
    """'Direction de la relation adhérents' → 'Relation adhérents' (chart axes have little room)."""
    name = unit.removeprefix("Direction ")
    for article in ("de la ", "de l'", "des ", "du ", "de "):
        if name.startswith(article):
            name = name[len(article) :]
            break
    name = name[:1].upper() + name[1:]
    return name if len(name) <= 32 else name[:31] + "…"


def png_response(request: Request, png: charts.Png) -> Response:
    headers = {"ETag": f'"{png.etag}"', "Cache-Control": "private, max-age=60"}
    if request.headers.get("if-none-match") == f'"{png.etag}"':
        return Response(status_code=304, headers=headers)
    return Response(png.body, media_type="image/png", headers=headers)


@router.get("/portefeuille")
def dashboard(web: WebDep) -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    k = portfolio_kpis(web.db)
    funnel = {f.stage.value: f.count for f in k.funnel}
    return web.render(
        "cedia/dashboard.html",
        nav="dashboard",
        k={
            "total": k.projects,
            "active": sum(funnel[s.value] for s in MAIN_PATH[:-1]),
            "autonomous": funnel["autonomy"],
            "learners": k.learners_involved,
            "relays_now": k.relays.total_current,
            "relays_goal": k.relays.total_goal,
            "times": k.time_in_stages,
            "relays": k.relays.units,
        },
        charts=[
            {"title": title, "url": web.url(f"/cedia/graphiques/{name}.png")} for name, (title, _) in CHARTS.items()
        ],
        can_edit=web.can("cedia:write"),  # the relays section links to the designation form
    )


@router.get("/graphiques/{name}.png")
def dashboard_chart(web: WebDep, name: str) -> Response:
    if (denied := web.guard("cedia:read")) is not None:
        return denied
    if name not in CHARTS:
        return Response(status_code=404)
    _, build = CHARTS[name]
    k = portfolio_kpis(web.db)
    kind, draw = build(k)
    return png_response(web.request, CACHE.get_or_render(kind, k.model_dump(mode="json"), draw, size=SIZE))
