"""``yuqing demo``: offline end-to-end run against the bundled demo sites on loopback:
crawl → NLP → store → alerts (delivered to a local mail sink) → daily digest."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import click
import yaml

DEMO_SOURCES = Path(__file__).resolve().parent.parent / "demo" / "sources.yaml"
CONFIG_FILES = ("settings.yaml", "topics.yaml", "departments.yaml", "rules.yaml")
LEVEL_NAMES = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色"}


def register(cli: click.Group) -> None:
    cli.add_command(demo)


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
    settings.setdefault("digest", {})["out_dir"] = str(out_dir / "digests")
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


@click.command()
@click.option(
    "--out",
    "out_dir",
    default="var/demo",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Where the demo writes everything.",
)
@click.option(
    "--storage",
    type=click.Choice(["sqlite", "elasticsearch"]),
    default="sqlite",
    show_default=True,
    help="Where the demo stores what it collects.",
)
@click.option(
    "--es-url",
    default="http://127.0.0.1:9200",
    show_default=True,
    help="Elasticsearch URL for --storage elasticsearch (fills the indices the "
    "Kibana saved objects use).",
)
@click.pass_context
def demo(ctx: click.Context, out_dir: str, storage: str, es_url: str) -> None:
    """Offline end-to-end run: serve the demo sites on 127.0.0.1, crawl them into a fresh
    embedded store (with NLP), raise and deliver alerts to a local mail sink, write and send
    the daily digest, and print where everything is.

    \b
    Examples:
      yuqing demo --out var/demo
      yuqing demo --storage elasticsearch --es-url http://127.0.0.1:9200
    """
    import logging

    from yuqing.cli import configure_logging
    from yuqing.config import load_config
    from yuqing.crawlers.runner import crawl
    from yuqing.demo.mailsink import MailSink
    from yuqing.demo.server import SiteServer
    from yuqing.storage import open_store

    if logging.getLogger().level >= logging.WARNING:
        # the demo sites break on purpose; the summary lists every failure by reason
        configure_logging(logging.CRITICAL)
    base_config = Path(ctx.find_root().obj["config_dir"]).resolve()
    out = Path(out_dir).resolve()
    mail_dir = out / "mail"
    sink = MailSink(mail_dir)
    with SiteServer() as server:
        cfg_dir = write_demo_config(
            base_config, out, server.url, sink.port, es_url if storage == "elasticsearch" else None
        )
        cfg = load_config(cfg_dir)
        sink.__enter__()
        click.echo(f"demo sites:  {server.url}/  ({len(cfg.sources.sources)} sources)")
        click.echo(f"mail sink:   smtp://127.0.0.1:{sink.port} → {mail_dir}")
        click.echo("")
        with open_store(cfg) as store:
            summary = crawl(cfg, store, [s.id for s in cfg.sources.sources])
        click.echo(summary.render())
        alerts_report = _alerts(cfg)
        digest_paths = _digest(cfg)
        with open_store(cfg) as store:
            posts = store.count_posts()
            events = sum(1 for _ in store.iter_events())
            alerts = list(store.iter_alerts())
        messages = sink.messages
        sink.__exit__()
    click.echo("")
    click.echo(f"posts stored:   {posts}    events: {events}    alerts: {len(alerts)}")
    levels = Counter(a.level for a in alerts)
    if alerts:
        click.echo(
            "alerts by level: "
            + ", ".join(f"{LEVEL_NAMES.get(k, k)} {v}" for k, v in levels.most_common())
        )
    if alerts_report.get("failed"):
        click.echo(f"alert deliveries failed: {alerts_report['failed']} (see yuqing alerts outbox)")
    click.echo(f"mail received:  {len(messages)} message(s) in {mail_dir}")
    for msg in messages[:12]:
        click.echo(f"  → {msg['To']}: {msg['Subject']}")
    if len(messages) > 12:
        click.echo(f"  … and {len(messages) - 12} more")
    click.echo("")
    if storage == "elasticsearch":
        click.echo(f"store:          {es_url} (indices yuqing-posts/-events/-alerts)")
    else:
        click.echo(f"store:          {out / 'yuqing.db'}")
    if digest_paths:
        click.echo(f"digest:         {digest_paths[0]}")
    click.echo(f"config used:    {cfg_dir}")
    click.echo(f"try:            yuqing --config {cfg_dir} alerts list")
    click.echo(f"                yuqing --config {cfg_dir} export posts")


def _alerts(cfg) -> dict:
    try:
        from yuqing.alerts.jobs import check_and_deliver, runtime
    except ImportError:
        return {}
    with runtime(cfg) as rt:
        return check_and_deliver(rt)


def _digest(cfg) -> list[Path]:
    try:
        from yuqing.dashboards.digest import archive, build, out_dir
        from yuqing.dashboards.mail import send
        from yuqing.dashboards.period import daily
    except ImportError:
        return []
    from yuqing.storage import open_store
    from yuqing.timeutil import now

    at = now(cfg.settings.timezone)
    with open_store(cfg) as store:
        rendered = build(cfg, store, daily(at.date(), cfg.settings.timezone), at)
    path = archive(rendered, out_dir(cfg))
    if cfg.settings.digest.recipients:
        send(cfg, rendered, cfg.settings.digest.recipients)
    return [path]
