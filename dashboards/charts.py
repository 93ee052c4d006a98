"""PNG charts for the digest (matplotlib, Agg backend): no scripts in mail, just images.

Chinese labels need a CJK font. :func:`cjk_font` looks for one among the installed fonts
(Debian: ``apt-get install fonts-wqy-microhei`` or ``fonts-noto-cjk``); without one, charts
fall back to ASCII labels (ids, dates) instead of drawing empty boxes, and a warning is
logged once.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

log = logging.getLogger(__name__)

#: Preferred CJK families, best first.
CJK_FAMILIES = (
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "AR PL UMing CN",
)
_FONT_FILE_HINTS = (
    "wqy",
    "notosanscjk",
    "noto-cjk",
    "sourcehansans",
    "droidsansfallback",
    "simhei",
    "msyh",
    "uming",
)
BLUE, GREY, RED, ORANGE = "#1f5fa8", "#c9d3df", "#c62828", "#ef6c00"
DPI = 110


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font, or None."""
    for path in font_manager.findSystemFonts():
        low = path.lower().replace(" ", "")
        if any(h in low for h in _FONT_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    log.warning(
        "no CJK font found: digest charts use ASCII labels (apt-get install fonts-wqy-microhei)"
    )
    return None


def label(text: str, fallback: str) -> str:
    """``text`` when a CJK font is available, else ``fallback`` (ASCII)."""
    return text if cjk_font() or text.isascii() else fallback


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.patch.set_facecolor("white")
    return fig


def _style(ax, family: str | None) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors="#444444")
    if family:
        for t in (*ax.get_xticklabels(), *ax.get_yticklabels()):
            t.set_fontfamily(family)


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Glyph missing" when no CJK font: already logged
        fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.08)
    return buf.getvalue()


def _font_kw() -> dict:
    family = cjk_font()
    return {"fontfamily": family} if family else {}


def volume_chart(
    days: Sequence[date], counts: Sequence[int], current: int, title: str = "每日采集量"
) -> bytes:
    """Bars of posts per day; the last ``current`` days (the period) in blue."""
    fig = _figure(5.6, 1.9)
    ax = fig.add_subplot()
    colors = [GREY] * (len(days) - current) + [BLUE] * current
    xs = range(len(days))
    ax.bar(xs, counts, color=colors, width=0.7)
    step = max(1, len(days) // 14)  # a monthly view: a label every few days, not 60 at once
    ticks = list(xs)[::-1][::step][::-1]
    ax.set_xticks(ticks, [f"{days[i]:%m-%d}" for i in ticks], rotation=0 if len(days) <= 7 else 45)
    for x, c in zip(xs, counts, strict=True):
        if c and (len(days) <= 31 or c == max(counts)):
            ax.text(x, c, str(c), ha="center", va="bottom", fontsize=7, color="#333333")
    ax.set_title(label(title, "posts per day"), fontsize=9, loc="left", **_font_kw())
    _integer_ticks(ax.yaxis)
    _style(ax, cjk_font())
    return _png(fig)


def _integer_ticks(axis: Axis) -> None:
    """Counts: no tick between whole numbers (the default locator is a MaxNLocator)."""
    locator = axis.get_major_locator()
    if isinstance(locator, MaxNLocator):
        locator.set_params(integer=True)


def focus_chart(
    names: Sequence[tuple[str, str]],
    counts: Sequence[int],
    negativity: Sequence[float | None],
    title: str = "重点领域信息量（红色越深越负面）",
) -> bytes:
    """Horizontal bars per focus area; colour from neutral grey to red by negativity."""
    fig = _figure(5.6, 0.28 * len(names) + 0.7)
    ax = fig.add_subplot()
    ys = list(range(len(names)))[::-1]
    colors = [_negativity_color(n) for n in negativity]
    ax.barh(ys, counts, color=colors, height=0.65)
    ax.set_yticks(ys, [label(n, fid) for fid, n in names])
    for y, c in zip(ys, counts, strict=True):
        ax.text(c, y, f" {c}", va="center", fontsize=7, color="#333333")
    ax.set_xlim(0, max(max(counts, default=0), 1) * 1.12)
    ax.set_title(label(title, "focus areas (red = negative)"), fontsize=9, loc="left", **_font_kw())
    _integer_ticks(ax.xaxis)
    _style(ax, cjk_font())
    return _png(fig)


def _negativity_color(value: float | None) -> str:
    if value is None or value >= 0:
        return "#90a4ae"
    k = min(1.0, -value)  # 0 (neutral) .. 1 (very negative)
    r, g, b = (
        int(0x90 + (0xC6 - 0x90) * k),
        int(0xA4 - (0xA4 - 0x28) * k),
        int(0xAE - (0xAE - 0x28) * k),
    )
    return f"#{r:02x}{g:02x}{b:02x}"


def sparkline(values: Sequence[float], highlight: int = 1) -> bytes:
    """A tiny line of daily values (counts, hot index; the last ``highlight`` emphasised)."""
    fig = _figure(1.6, 0.42)
    ax = fig.add_axes((0, 0, 1, 1))
    xs = list(range(len(values)))
    ax.fill_between(xs, values, color="#dbe7f5", linewidth=0)
    ax.plot(xs, values, color=BLUE, linewidth=1.4)
    tail = xs[-highlight:]
    ax.plot(tail, list(values)[-highlight:], "o", color=RED, markersize=2.5)
    ax.set_ylim(0, max(max(values, default=0), 1) * 1.15)
    ax.set_xlim(-0.3, len(values) - 0.7)
    ax.axis("off")
    return _png(fig)
