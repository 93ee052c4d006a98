"""``yuqing worker``: a crawl worker on the shared frontier (``cluster:`` deployments)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    cli.add_command(worker)


@click.command()
@click.option("--no-nlp", is_flag=True, help="Store posts without text analysis.")
@click.pass_context
def worker(ctx: click.Context, no_nlp: bool) -> None:
    """Crawl requests from the shared frontier in Redis until SIGTERM/SIGINT.

    Needs `cluster.redis_url` in settings.yaml. The scheduler role (`yuqing run` on a node
    with `cluster.role: scheduler`) puts due sources on the frontier; any number of workers
    on any number of machines crawl them. On SIGTERM the requests in flight are given back;
    stopped in the middle of source crawls, it names them as `yuqing crawl` does
    (interrupted), as a warning: a requested stop is its normal end (exit status 0).

    \b
    Example:
      yuqing --config /etc/yuqing worker
    """
    from yuqing.cli import load
    from yuqing.errors import YuqingError
    from yuqing.storage import open_store

    cfg = load(ctx)
    if not cfg.settings.cluster.enabled:
        raise YuqingError(
            "yuqing worker needs cluster.redis_url in settings.yaml "
            "(on a single machine `yuqing run` crawls by itself)"
        )
    from yuqing.app.worker import run_worker

    with open_store(cfg) as store:
        run_worker(cfg, store, with_nlp=not no_nlp)
