"""Plug-ins: spider kinds, delivery channels and rule types share one shape — a class with a
name and a pydantic ``Options`` model in an explicit registry — and the configuration's kinds
and options are checked against the registries (adding one touches no config model)."""

from __future__ import annotations

import shutil

import pytest
from pydantic import BaseModel, Field

from tests.conftest import ROOT
from yuqing.alerts.channels import CHANNELS, robots
from yuqing.alerts.channels.webhook import RobotOptions, WebhookChannel
from yuqing.alerts.rules import RULE_TYPES
from yuqing.alerts.rules.base import Options, RuleType
from yuqing.app.config import check_config
from yuqing.config import ConfigError, load_config
from yuqing.crawlers.spiders import SPIDERS, SourceSpider, SpiderOptions


def test_registries_name_every_plugin_with_its_options():
    assert SPIDERS.names == ["html", "feed", "json"]
    assert CHANNELS.names == ["email", "dingtalk", "wecom"] and robots() == ["dingtalk", "wecom"]
    assert len(RULE_TYPES) == 8
    for registry, attr in ((SPIDERS, "kind"), (CHANNELS, "name"), (RULE_TYPES, "name")):
        for name, cls in registry.items():
            assert getattr(cls, attr) == name
            if cls.Options is not None:  # e-mail's recipients are the departments' emails
                assert issubclass(cls.Options, BaseModel)
                assert cls.Options.model_config["extra"] == "forbid", name


@pytest.fixture
def cfg_dir(tmp_path):
    out = tmp_path / "config"
    shutil.copytree(ROOT / "config", out)
    return out


def problems(cfg_dir) -> dict[str, str]:
    with pytest.raises(ConfigError) as exc:
        check_config(cfg_dir)
    return {f"{p.file}: {p.key}": f"{p.message} ({p.hint})" for p in exc.value.problems}


class TelegramOptions(RobotOptions):
    chat: str = Field(description="chat id")


class TelegramChannel(WebhookChannel):
    name = "telegram"
    Options = TelegramOptions


class SitemapSpider(SourceSpider):
    kind = "sitemap"

    class Options(SpiderOptions):
        depth: int = Field(default=1, ge=1, description="sitemap index depth")


class NothingRule(RuleType):
    name = "nothing"

    class Options(Options):
        reason: str = Field(description="why nothing")


def test_a_new_plugin_is_accepted_by_the_config_once_registered(cfg_dir, monkeypatch):
    (cfg_dir / "sources.yaml").write_text(
        "sources:\n  - {id: s, kind: sitemap, urls: ['http://127.0.0.1/'], depth: 2}\n",
        encoding="utf-8",
    )
    deps = (cfg_dir / "departments.yaml").read_text(encoding="utf-8")
    duty = "duty: true}"
    assert deps.count(duty) == 1
    (cfg_dir / "departments.yaml").write_text(
        deps.replace(duty, "duty: true, webhooks: [{kind: telegram, url_env: T, chat: c1}]}"),
        encoding="utf-8",
    )
    (cfg_dir / "rules.yaml").write_text(
        "rules:\n  - {id: n, type: nothing, options: {reason: test}}\n", encoding="utf-8"
    )
    found = problems(cfg_dir)  # not registered yet: each is unknown, named with the choices
    assert found["sources.yaml: sources[0].kind"].startswith("unknown spider kind 'sitemap'")
    assert "use one of: html, feed, json" in found["sources.yaml: sources[0].kind"]
    assert found["departments.yaml: departments[0].webhooks[0].kind"].startswith(
        "unknown robot kind 'telegram' (use one of: dingtalk, wecom"
    )
    assert found["rules.yaml: rules[0].type"].startswith("unknown rule type 'nothing'")

    monkeypatch.setitem(SPIDERS._classes, "sitemap", SitemapSpider)
    monkeypatch.setitem(CHANNELS._classes, "telegram", TelegramChannel)
    monkeypatch.setitem(RULE_TYPES._classes, "nothing", NothingRule)
    cfg = check_config(cfg_dir)
    assert cfg.sources.sources[0].kind == "sitemap"
    hook = cfg.department("cac").webhooks[0]
    assert TelegramChannel.hooks(cfg.department("cac")) == [TelegramOptions(url_env="T", chat="c1")]
    assert hook.kind == "telegram"

    # and their options are validated by their own models
    (cfg_dir / "sources.yaml").write_text(
        "sources:\n  - {id: s, kind: sitemap, urls: ['http://127.0.0.1/'], depth: 0, dpeth: 1}\n",
        encoding="utf-8",
    )
    found = problems(cfg_dir)
    assert "greater than or equal to 1" in found["sources.yaml: sources[0].depth"]
    assert "spider kind 'sitemap' takes: depth" in found["sources.yaml: sources[0].dpeth"]


def test_the_ground_loader_alone_does_not_need_the_registries(cfg_dir):
    """Commands that only read the store load without plug-in checks: a bad rule does not stop
    `alerts ack`; `config check`, a crawl and `alerts check` report it."""
    (cfg_dir / "rules.yaml").write_text(
        "rules:\n  - {id: n, type: nothing, options: {}}\n", encoding="utf-8"
    )
    assert load_config(cfg_dir).rules.rules[0].type == "nothing"
    assert "rules.yaml: rules[0].type" in problems(cfg_dir)


def test_the_manual_rule_id_is_reserved(cfg_dir):
    """``manual`` is the rule of the alerts the duty office raises by hand (alerts/manual.py):
    a configured rule under that id would have its alerts taken for them."""
    (cfg_dir / "rules.yaml").write_text(
        "rules:\n  - {id: manual, type: hotness, options: {threshold: 10}}\n", encoding="utf-8"
    )
    assert "reserved for alerts raised by hand" in problems(cfg_dir)["rules.yaml: rules[0].id"]
