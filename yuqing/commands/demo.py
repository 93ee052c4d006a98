"""``yuqing demo``: offline end-to-end run against the bundled demo sites on loopback."""

from __future__ import annotations

import shutil
from pathlib import Path

import click

DEMO_SOURCES = Path(__file__).resolve().parent.parent / "demo" / "sources.yaml"
CONFIG_FILES = ("settings.yaml", "topics.yaml", "departments.yaml", "rules.yaml")


def register(cli: click.Group) -> None:
    cli.add_command(demo)


def write_demo_config(base_config: Path, out_dir: Path, base_url: str) -> Path:
    """A config dir for the demo: the given config with the demo sources and a fresh store."""
    cfg_dir = out_dir / "config"
    if out_dir.exists():
        shutil.rmtree(out_dir)
    cfg_dir.mkdir(parents=True)
    for name in CONFIG_FILES:
        if (base_config / name).exists():
            shutil.copy(base_config / name, cfg_dir / name)
    for extra in base_config.glob("*.txt"):   # user dictionary, stopwords
        shutil.copy(extra, cfg_dir / extra.name)
    text = DEMO_SOURCES.read_text(encoding="utf-8").replace("{base}", base_url)
    (cfg_dir / "sources.yaml").write_text(text, encoding="utf-8")
    return cfg_dir


@click.command()
@click.option("--out", "out_dir", default="var/demo", show_default=True,
              type=click.Path(file_okay=False), help="Where the demo writes everything.")
@click.pass_context
def demo(ctx: click.Context, out_dir: str) -> None:
    """Offline end-to-end run: serve the demo sites on 127.0.0.1, crawl them into a fresh
    embedded store, and print the summary and where everything is.

    \b
    Example:
      yuqing demo --out var/demo
    """
    from crawlers.runner import crawl
    from yuqing.config import load_config
    from yuqing.demo.server import SiteServer
    from yuqing.storage import open_store

    base_config = Path(ctx.find_root().obj["config_dir"]).resolve()
    out = Path(out_dir).resolve()
    with SiteServer() as server:
        cfg_dir = write_demo_config(base_config, out, server.url)
        # The demo's store lives in its own folder, never in the operator's store.
        settings = (cfg_dir / "settings.yaml")
        if settings.exists():
            text = settings.read_text(encoding="utf-8")
            text = text.replace("path: var/yuqing.db", f"path: {out / 'yuqing.db'}")
            settings.write_text(text, encoding="utf-8")
        cfg = load_config(cfg_dir)
        click.echo(f"demo sites: {server.url}/  ({len(cfg.sources.sources)} sources)")
        with open_store(cfg) as store:
            summary = crawl(cfg, store, [s.id for s in cfg.sources.sources])
            click.echo(summary.render())
            posts = store.count_posts()
    click.echo("")
    click.echo(f"posts stored:  {posts}")
    click.echo(f"store:         {out / 'yuqing.db'}")
    click.echo(f"config used:   {cfg_dir}")
    click.echo(f"export posts:  yuqing --config {cfg_dir} export posts")
