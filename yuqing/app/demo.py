"""The offline end-to-end demo (``yuqing demo``): serve the bundled demo sites on loopback,
crawl them into a fresh store (with NLP), raise and deliver alerts to a local mail sink, write
and mail the daily digest. :func:`run_demo` does the work and returns a :class:`DemoReport`;
the command only prints it."""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import yaml

DEMO_SOURCES = Path(__file__).resolve().parent.parent / "demo" / "sources.yaml"
CONFIG_FILES = ("settings.yaml", "topics.yaml", "departments.yaml", "rules.yaml")


def write_demo_config(
    base_config: Path,
    out_dir: Path,
    base_url: str,
    smtp_port: int | None = None,
    es_url: str | None = None,
) -> Path:
    """A config dir for the demo: the given config with the demo sources, and every file the
    demo writes (store, outbox, digests) inside ``out_dir``."""
    cfg_dir = out_dir / "config"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    cfg_dir.mkdir(parents=True)
    for name in CONFIG_FILES:
        if (base_config / name).exists():
            shutil.copy(base_config / name, cfg_dir / name)
    for extra in base_config.glob("*.txt"):  # user dictionary, stopwords
        shutil.copy(extra, cfg_dir / extra.name)
    text = DEMO_SOURCES.read_text(encoding="utf-8").replace("{base}", base_url)
    (cfg_dir / "sources.yaml").write_text(text, encoding="utf-8")
    settings_file = cfg_dir / "settings.yaml"
    settings = (
        yaml.safe_load(settings_file.read_text(encoding="utf-8")) or {}
        if settings_file.exists()
        else {}
    )
    settings["var_dir"] = str(out_dir)
    storage = settings.setdefault("storage", {})
    storage.update(backend="sqlite", path=str(out_dir / "yuqing.db"))
    if es_url:
        storage["backend"] = "elasticsearch"
        storage.setdefault("elasticsearch", {})["url"] = es_url
    settings.setdefault("alerts", {})["outbox_path"] = str(out_dir / "outbox.db")
    digest = settings.setdefault("digest", {})
    digest["out_dir"] = str(out_dir / "digests")
    digest["state_path"] = str(out_dir / "digest.db")
    if smtp_port:
        settings["smtp"] = {
            "host": "127.0.0.1",
            "port": smtp_port,
            "starttls": False,
            "from": "舆情哨兵 <yuqing-sentinel@localhost>",
        }
    settings_file.write_text(
        yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return cfg_dir


@dataclass
class DemoReport:
    """What the demo did and where everything is."""

    sites_url: str
    smtp_port: int
    mail_dir: Path
    config_dir: Path
    sources: int
    crawl_summary: str
    posts: int = 0
    events: int = 0
    alert_levels: Counter = field(default_factory=Counter)
    failed_deliveries: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    store: str = ""
    digest: Path | None = None
    console: object = None  # yuqing.console.demo.DemoConsole: URL and sign-in

    @property
    def alerts(self) -> int:
        return sum(self.alert_levels.values())


def run_demo(base_config: Path, out: Path, es_url: str | None = None, serve=None) -> DemoReport:
    """Run the whole pipeline once against the demo sites; ``es_url`` stores into
    Elasticsearch instead of the embedded SQLite store. The alert messages carry links to
    the response console (``yuqing.console.demo``); ``serve(report, cfg)``, when given, is
    called while the sites and the mail sink still run (to keep the console up)."""
    from yuqing.config import load_config
    from yuqing.console import demo as demo_console
    from yuqing.crawlers.runner import crawl
    from yuqing.demo.mailsink import MailSink
    from yuqing.demo.server import SiteServer
    from yuqing.storage import open_store

    mail_dir = out / "mail"
    sink = MailSink(mail_dir)
    with SiteServer() as server:
        cfg_dir = write_demo_config(base_config, out, server.url, sink.port, es_url)
        console = demo_console.setup(cfg_dir, out)
        cfg = load_config(cfg_dir)
        with sink:
            with open_store(cfg) as store:
                summary = crawl(cfg, store, [s.id for s in cfg.sources.sources])
            report = DemoReport(
                sites_url=server.url,
                smtp_port=sink.port,
                mail_dir=mail_dir,
                config_dir=cfg_dir,
                sources=len(cfg.sources.sources),
                crawl_summary=summary.render(),
                store=f"{es_url} (indices yuqing-posts/-events/-alerts)"
                if es_url
                else str(out / "yuqing.db"),
            )
            report.failed_deliveries = _alerts(cfg).get("failed", 0)
            report.digest = _digest(cfg)
            with open_store(cfg) as store:
                report.posts = store.count_posts()
                report.events = sum(1 for _ in store.iter_events())
                report.alert_levels = Counter(a.level for a in store.iter_alerts())
            report.messages = sink.messages
            report.console = console
            if serve is not None:
                serve(report, cfg)
    return report


def serve_console(cfg, announce) -> None:
    """Serve the response console on the demo store until Ctrl-C."""
    import signal

    from yuqing.console.server import ConsoleServer
    from yuqing.storage import open_store

    with open_store(cfg) as store, ConsoleServer(cfg, store) as server:
        # the crawl (Scrapy) left its own SIGINT/SIGTERM handlers behind: ours stop the console
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: server.stop())
        announce(server.url)
        server.serve_until_interrupted()


def _alerts(cfg) -> dict:
    from yuqing.app.jobs import check_and_deliver, runtime

    with runtime(cfg) as rt:
        return check_and_deliver(rt)


def _digest(cfg) -> Path:
    from yuqing.dashboards.digest import archive, build, out_dir
    from yuqing.dashboards.mail import send
    from yuqing.dashboards.period import daily
    from yuqing.storage import open_store
    from yuqing.timeutil import now

    at = now(cfg.settings.timezone)
    with open_store(cfg) as store:
        rendered = build(cfg, store, daily(at.date(), cfg.settings.timezone), at)
    path = archive(rendered, out_dir(cfg))
    if cfg.settings.digest.recipients:
        send(cfg, rendered, cfg.settings.digest.recipients)
    return path
