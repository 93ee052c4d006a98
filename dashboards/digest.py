"""The daily and weekly digest (舆情日报 / 舆情周报): render, archive, send, schedule.

``build`` gathers the numbers (:mod:`yuqing.dashboards.digest_data`), draws the charts
(:mod:`yuqing.dashboards.charts`) and renders the jinja2 templates (``dashboards/templates/``,
HTML autoescaped) twice: for mail (images as ``cid:`` parts) and for the archive (images as
``data:`` URIs, one self-contained file). ``archive`` writes ``<out_dir>/<key>.html`` and
``.txt`` and rebuilds ``index.html``. Sending is :mod:`yuqing.dashboards.mail`.
:func:`run_scheduled_digest` is what the scheduler's digest job (``yuqing.app.jobs``) calls at
``schedule.digest_time``.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from yuqing import levels
from yuqing.alerts.ledger import STATUS_NAMES as ACCOUNT_STATUS
from yuqing.dashboards import charts
from yuqing.dashboards.digest_data import STATUS_NAMES, DigestData, gather
from yuqing.dashboards.period import WEEKDAYS, Period, daily, weekly_ending
from yuqing.mail import header_safe
from yuqing.models import CHANNELS
from yuqing.storage.base import Store
from yuqing.templating import environment
from yuqing.timeutil import now as _now

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).with_name("templates")
STATUS_COLORS = {
    "open": "#c62828",
    "escalated": "#c62828",
    "acked": "#ef6c00",
    "resolved": "#2e7d32",
}
ISSUE_NAMES = {"failing": "采集失败", "dormant": "睡眠号", "zombie": "僵尸号"}
_SPARK = "▁▂▃▄▅▆▇█"

_env = environment(TEMPLATES)


@dataclass
class Image:
    name: str  # template name, e.g. "volume", "event-1"
    png: bytes

    @property
    def cid(self) -> str:
        return f"{self.name}@yuqing-digest"

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


@dataclass
class Rendered:
    period: Period
    subject: str
    text: str
    html_mail: str  # <img src="cid:...">
    html_archive: str  # <img src="data:...">
    images: list[Image] = field(default_factory=list)
    data: DigestData | None = None


def safe_url(url: str | None) -> str | None:
    """Only http(s) links from crawled data become links (no ``javascript:``)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _one_line(value: str, limit: int = 300) -> str:
    return header_safe(value, limit)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{round(100 * value)}%"


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 分钟" if value < 120 else f"{value / 60:.1f} 小时"


def _spark(values: list[int]) -> str:
    top = max(values, default=0) or 1
    return "".join(_SPARK[min(len(_SPARK) - 1, round(v / top * (len(_SPARK) - 1)))] for v in values)


def draw(data: DigestData) -> list[Image]:
    """Every chart of the digest (none for an empty period)."""
    if data.empty:
        return []
    images = [
        Image("volume", charts.volume_chart(data.days, data.volume, data.period.days)),
        Image(
            "focus",
            charts.focus_chart(
                [(f.id, f.name) for f in data.focus],
                [f.count for f in data.focus],
                [f.negativity for f in data.focus],
            ),
        ),
    ]
    for i, e in enumerate(data.hot_events, 1):
        images.append(Image(f"event-{i}", charts.sparkline(e.trend, data.period.days)))
    return images


def render(data: DigestData) -> Rendered:
    images = draw(data)
    by_name = {i.name: i for i in images}
    subject = header_safe(data.period.subject)
    ctx = {
        "d": data,
        "subject": subject,
        "safe_url": safe_url,
        "one_line": _one_line,
        "pct": _pct,
        "minutes": _minutes,
        "spark": _spark,
        "level_names": levels.NAMES,
        "level_colors": levels.COLORS,
        "status_names": STATUS_NAMES,
        "account_status": ACCOUNT_STATUS,
        "status_colors": STATUS_COLORS,
        "channel_names": CHANNELS,
        "issue_names": ISSUE_NAMES,
    }

    def html(src) -> str:
        return _env.get_template("digest.html").render(ctx, img=lambda n: src(by_name[n]))

    return Rendered(
        period=data.period,
        subject=subject,
        text=_env.get_template("digest.txt").render(ctx),
        html_mail=html(lambda i: f"cid:{i.cid}"),
        html_archive=html(lambda i: i.data_uri),
        images=images,
        data=data,
    )


def build(cfg, store: Store, period: Period, now: datetime | None = None) -> Rendered:
    now = now or _now(cfg.settings.timezone)
    return render(gather(cfg, store, period, now))


# -- archive -----------------------------------------------------------------------------
def out_dir(cfg) -> Path:
    return cfg.path(cfg.settings.digest.out_dir)


def archive(rendered: Rendered, directory: Path, html_file: Path | None = None) -> Path:
    """Write the HTML (self-contained) and text; rebuild ``index.html`` when writing into
    the archive directory. Returns the HTML path."""
    target = html_file or directory / f"{rendered.period.key}.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    _write(target, rendered.html_archive)
    _write(target.with_suffix(".txt"), rendered.text)
    if html_file is None:
        write_index(directory)
    return target


def _write(path: Path, text: str) -> None:
    """Replace ``path`` whole; the temporary file's name is unique, so two writers of the same
    archive (the daemon and ``yuqing digest``) never move each other's file."""
    import uuid

    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


_DAILY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WEEKLY = re.compile(r"^weekly-(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})$")
_MONTHLY = re.compile(r"^monthly-(\d{4}-\d{2})$")


def write_index(directory: Path) -> Path:
    """``index.html`` listing every archived digest, newest first."""
    dailies, weeklies, monthlies = [], [], []
    for f in sorted(directory.glob("*.html"), reverse=True):
        txt = f.with_suffix(".txt").name if f.with_suffix(".txt").exists() else None
        if _DAILY.match(f.stem):
            dailies.append((f"【舆情日报】{f.stem}", f.name, txt))
        elif m := _WEEKLY.match(f.stem):
            weeklies.append((f"【舆情周报】{m.group(1)}–{m.group(2)}", f.name, txt))
        elif m := _MONTHLY.match(f.stem):
            monthlies.append((f"【舆情月报】{m.group(1)}", f.name, txt))
    path = directory / "index.html"
    _write(
        path,
        _env.get_template("index.html").render(
            groups=[("月报", monthlies), ("周报", weeklies), ("日报", dailies)],
            updated=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M"),
        ),
    )
    return path


# -- schedule ----------------------------------------------------------------------------
#: Daily digests missed (SMTP down, the daemon stopped) are sent later, this many days back.
CATCH_UP_DAYS = 7


def due_periods(cfg, now: datetime, owed_from: date | None = None) -> list[Period]:
    """The daily digests (and the latest weekly, on its weekday) whose send time has passed.

    The daily digest for day D covers D and goes out on D+1 at ``schedule.digest_time``;
    the weekly covers the seven days before its send day (``weekly_digest_weekday``).
    ``owed_from``: the oldest day whose digest is still owed (the day the scheduled run last
    completed covers the day before it); every daily digest from there is due, at most
    ``CATCH_UP_DAYS`` back. Without it, only the latest."""
    sched, tzname = cfg.settings.schedule, cfg.settings.timezone
    hh, mm = (int(x) for x in sched.digest_time.split(":"))
    local = now.astimezone(ZoneInfo(tzname))
    send_day = local.date() if local.time() >= time(hh, mm) else local.date() - timedelta(1)
    latest = send_day - timedelta(days=1)
    oldest = max(owed_from or latest, latest - timedelta(days=CATCH_UP_DAYS - 1))
    periods = [daily(oldest + timedelta(days=i), tzname) for i in range((latest - oldest).days + 1)]
    target = WEEKDAYS.index(sched.weekly_digest_weekday)
    weekly_send = send_day - timedelta(days=(send_day.weekday() - target) % 7)
    periods.append(weekly_ending(weekly_send - timedelta(days=1), tzname))
    return periods


def run_scheduled_digest(cfg, now: datetime | None = None) -> dict:
    """Build, archive and send every due digest not sent yet, missed days included (idempotent: the digest ledger,
    :mod:`yuqing.dashboards.ledger`, records each digest and recipient once). Raises
    :class:`yuqing.dashboards.mail.DigestDeliveryError` when a recipient could not be reached, so
    the scheduler retries later; recipients already served are not sent twice."""
    from yuqing.dashboards.ledger import open_ledger
    from yuqing.dashboards.mail import DigestDeliveryError, pending_recipients, send
    from yuqing.storage import open_store

    now = now or _now(cfg.settings.timezone)
    with open_ledger(cfg) as ledger:
        last = ledger.last_day
    owed_from = date.fromisoformat(last) if last else None
    result: dict = {}
    errors: list[str] = []
    store = open_store(cfg)
    try:
        for period in due_periods(cfg, now, owed_from):
            path = out_dir(cfg) / f"{period.key}.html"
            report = None
            todo = pending_recipients(cfg, period)
            if not todo and path.exists():
                result[period.key] = "already done"
                continue
            rendered = build(cfg, store, period, now)
            archive(rendered, out_dir(cfg))
            try:
                report = send(cfg, rendered)
            except DigestDeliveryError as exc:
                errors.append(str(exc))
                report = exc.report
            result[period.key] = {
                "archived": str(path),
                "sent": report.sent if report else [],
                "skipped": report.skipped if report else [],
            }
    finally:
        store.close()
    if errors:
        raise DigestDeliveryError("; ".join(errors))
    return result
