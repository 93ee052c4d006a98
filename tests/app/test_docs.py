"""Every command is documented, the reference is current, and the README opens right."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_cli", ROOT / "docs" / "gen_cli.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current():
    gen = load_generator()
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == gen.render(), (
        "docs/cli.md is stale: run .venv/bin/python docs/gen_cli.py > docs/cli.md"
    )


def test_every_command_has_help_with_an_example():
    gen = load_generator()
    from yuqing.cli import cli

    for path, cmd in gen.walk(cli, ["yuqing"]):
        if cmd.callback is None or hasattr(cmd, "commands"):
            continue
        assert cmd.help, f"{' '.join(path)} has no help"
        assert "Example" in cmd.help, f"{' '.join(path)} help has no example"


def test_readme_opens_with_the_two_setup_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = text.split("```")
    first_block = blocks[1].strip().splitlines()
    assert [line for line in first_block if not line.startswith(("sh", "bash"))] == [
        "make demo",
        "make test",
    ]


def test_every_documented_failure_reason_has_a_chinese_name():
    """The console, digests and source-health alerts show a source's last error in Chinese
    (``yuqing.vocab.failure_text``): each reason of docs/crawling.md#failure-reasons has a name."""
    import re

    from yuqing.vocab import FAILURE_NAMES, failure_text

    text = (ROOT / "docs" / "crawling.md").read_text(encoding="utf-8")
    table = text.split("## Failure reasons", 1)[1].split("\n\n", 2)[1]
    reasons = {
        code
        for row in table.splitlines()
        if row.startswith("| `")
        for code in re.findall(r"`([a-z_0-9]+)`", row.split("|")[1])
    }
    assert {"bad_feed", "timeout", "robots", "parse_error"} <= reasons
    assert reasons - {"http_404", "http_500"} <= set(FAILURE_NAMES)
    assert failure_text("http_404 http://x/") == "HTTP 404 错误（http_404）http://x/"
    assert failure_text("disk full") == "disk full" and failure_text(None) == "未知错误"
