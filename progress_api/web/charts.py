"""Server-side matplotlib charts (PNG), cached by the content they draw.

Charts are drawn with matplotlib's object API on the Agg canvas (no pyplot global state, so request threads
do not interfere). A chart's cache key is a hash of its kind and data: the same numbers are drawn once per
process, and the hash doubles as the HTTP ETag so browsers revalidate for free.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

# The palette of the pages (style.css uses the same values).
INK = "#1f2a37"
ACCENT = "#2b6cb0"
ACCENT_LIGHT = "#90cdf4"
GOOD = "#2f855a"
WARN = "#c05621"
MUTED = "#a0aec0"


@dataclass(frozen=True)
class Png:
    body: bytes
    etag: str


class ChartCache:
    """A small thread-safe LRU of rendered PNGs keyed by the hash of (chart kind, data)."""

    def __init__(self, max_entries: int = 256) -> None:
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries
        self.renders = 0  # how many times a chart was actually drawn (tests read it to prove the cache works)

    @staticmethod
    def key(kind: str, data: object) -> str:
        payload = json.dumps([kind, data], sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def get_or_render(
        self, kind: str, data: object, draw: Callable[[Figure], None], *, size: tuple[float, float]
    ) -> Png:
        key = self.key(kind, data)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return Png(self._items[key], key)
        body = _render(draw, size)
        with self._lock:
            self.renders += 1
            self._items[key] = body
            while len(self._items) > self._max:
                self._items.popitem(last=False)
        return Png(body, key)


def _render(draw: Callable[[Figure], None], size: tuple[float, float]) -> bytes:
    figure = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _style(ax: Axes, title: str) -> None:
    ax.set_title(title, loc="left", fontsize=11, color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=9)


def _empty(ax: Axes, text: str = "Pas encore de données") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color=MUTED, transform=ax.transAxes)
    ax.set_axis_off()


def hbar(title: str, labels: Sequence[str], values: Sequence[float], *, unit: str = "") -> Callable[[Figure], None]:
    """Horizontal bars, first label on top (funnel, projects per unit, median days)."""

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _style(ax, title)
        if not labels:
            _empty(ax)
            return
        positions = list(range(len(labels)))[::-1]
        bars = ax.barh(positions, values, color=ACCENT)
        ax.set_yticks(positions, labels)
        ax.bar_label(bars, labels=[f"{v:g}{unit}" for v in values], padding=3, fontsize=8, color=INK)
        ax.set_xlim(0, max([*values, 1]) * 1.15)
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)

    return draw


def grouped_bars(title: str, categories: Sequence[str], series: dict[str, Sequence[int]]) -> Callable[[Figure], None]:
    """Bars per category for a few series side by side (throughput per quarter)."""
    colours = [ACCENT_LIGHT, ACCENT, GOOD, WARN]

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _style(ax, title)
        if not categories:
            _empty(ax)
            return
        width = 0.8 / max(len(series), 1)
        for i, (name, values) in enumerate(series.items()):
            xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(categories))]
            ax.bar(xs, values, width=width, label=name, color=colours[i % len(colours)])
        ax.set_xticks(range(len(categories)), [c.replace("-", "\n") for c in categories], fontsize=8)
        ax.set_ylim(0, max([max(v, default=0) for v in series.values()] + [1]) * 1.35)  # room for the legend
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, fontsize=8, ncols=len(series), loc="upper left")

    return draw


def goal_bars(
    title: str, labels: Sequence[str], current: Sequence[int], goal: Sequence[int]
) -> Callable[[Figure], None]:
    """Horizontal bars of the current value per category, its goal drawn as a tick (data relays against ×3)."""

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _style(ax, title)
        if not labels:
            _empty(ax)
            return
        ys = list(range(len(labels)))[::-1]
        colours = [GOOD if c >= g > 0 else ACCENT for c, g in zip(current, goal, strict=True)]
        ax.barh(ys, current, color=colours, height=0.6, label="relais actuels")
        ax.scatter(goal, ys, marker="|", s=250, color=WARN, linewidths=3, label="objectif", zorder=3)
        ax.set_yticks(ys, list(labels), fontsize=8)
        ax.set_xlim(0, max([*current, *goal, 1]) * 1.1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        figure.legend(frameon=False, fontsize=8, loc="outside lower center", ncols=2)

    return draw


def histogram(title: str, values: Sequence[float], *, bins: int = 10, xlabel: str = "") -> Callable[[Figure], None]:
    """Distribution of scores in percent (0-100)."""

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _style(ax, title)
        if not values:
            _empty(ax)
            return
        ax.hist(values, bins=bins, range=(0, 100), color=ACCENT, edgecolor="white")
        ax.set_xlabel(xlabel, fontsize=9, color=INK)
        ax.set_ylabel("apprenant·es", fontsize=9, color=INK)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))

    return draw


def difficulty_bars(title: str, labels: Sequence[str], success_rates: Sequence[float]) -> Callable[[Figure], None]:
    """Success rate (%) per exercise, hardest first, coloured from red (hard) to green (easy)."""

    def draw(figure: Figure) -> None:
        ax = figure.add_subplot()
        _style(ax, title)
        if not labels:
            _empty(ax)
            return
        from matplotlib import colormaps

        cmap = colormaps["RdYlGn"]
        ax.bar(range(len(labels)), success_rates, color=[cmap(rate / 100) for rate in success_rates])
        ax.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        ax.set_ylim(0, 100)
        ax.set_ylabel("taux de réussite (%)", fontsize=9, color=INK)

    return draw
