"""``yuqing kibana export|import``: the analysts' Kibana dashboards as saved objects.
The work lives in ``dashboards/kibana/``; this module only parses and prints."""

from __future__ import annotations

from pathlib import Path

import click


def register(cli: click.Group) -> None:
    cli.add_command(kibana)


@click.group()
def kibana() -> None:
    """Kibana saved objects: data views, Lens visualizations, dashboards 舆情总览 / 预警处置.

    \b
    Example:
      YUQING_KIBANA_API_KEY=... yuqing kibana import --url https://kibana.internal:5601
    """


@kibana.command("export")
@click.option(
    "--out",
    "out_dir",
    default="var/kibana",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to write yuqing.ndjson into.",
)
def export_cmd(out_dir: str) -> None:
    """Write the saved objects as NDJSON (Kibana's import format); print the path.

    \b
    Example:
      yuqing kibana export --out kibana-export
    """
    from yuqing.dashboards.kibana import NDJSON_NAME
    from yuqing.dashboards.kibana.saved_objects import build, to_ndjson

    path = Path(out_dir) / NDJSON_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    objects = build()
    path.write_text(to_ndjson(objects), encoding="utf-8")
    click.echo(f"{len(objects)} saved objects: {path}")


@kibana.command("import")
@click.option(
    "--url",
    required=True,
    envvar="YUQING_KIBANA_URL",
    help="Kibana base URL (or $YUQING_KIBANA_URL), e.g. https://kibana:5601.",
)
@click.option(
    "--file",
    "file",
    type=click.Path(dir_okay=False, exists=True),
    help="NDJSON to import (default: the objects shipped with this version).",
)
@click.option("--space", help="Kibana space id (default: the default space).")
@click.option("--insecure", is_flag=True, help="Do not verify the TLS certificate.")
def import_cmd(url: str, file: str | None, space: str | None, insecure: bool) -> None:
    """Load the saved objects into Kibana (overwriting earlier versions); API key from
    $YUQING_KIBANA_API_KEY. Prints one line per object that failed.

    \b
    Example:
      YUQING_KIBANA_API_KEY=... yuqing kibana import --url https://kibana.internal:5601
    """
    from yuqing.dashboards.kibana.importer import KibanaError, import_objects
    from yuqing.dashboards.kibana.saved_objects import build, to_ndjson

    data = Path(file).read_bytes() if file else to_ndjson(build()).encode("utf-8")
    result = import_objects(url, data, space=space, verify=not insecure)
    for line in result.errors:
        click.echo(f"error: {line}", err=True)
    click.echo(
        f"imported {result.success_count} saved objects into {url}"
        + (f" (space {space})" if space else "")
    )
    if not result.success or result.errors:
        raise KibanaError(f"{len(result.errors)} saved object(s) failed to import into {url}")
