"""Typed models of the five configuration files (DESIGN.md's config contract).

Every model forbids unknown keys, so a typo is an error that names the file and the key.
Defaults here are the product defaults; ``config/`` in the repository holds the shipped files.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yuqing.config.alerts_section import AlertSettings
from yuqing.config.cluster_section import ClusterSettings
from yuqing.config.console_section import ConsoleSettings
from yuqing.config.nlp_section import NLPSettings
from yuqing.config.types import Addresses, ClockTime, Duration, Interval, Sender, parse_duration
from yuqing.levels import Level
from yuqing.models import CHANNELS


class Strict(BaseModel):
    # defaults are validated too: a duration default ("1h") is parsed like a configured one
    model_config = ConfigDict(extra="forbid", populate_by_name=True, validate_default=True)


# ---------------------------------------------------------------- settings.yaml
class ElasticsearchSettings(Strict):
    url: str = "http://127.0.0.1:9200"
    hosts: list[str] = Field(default_factory=list)  # more nodes of the same cluster (failover)
    index_prefix: str = "yuqing"
    ca_file: str | None = None
    verify_certs: bool = True
    request_timeout: float = 30.0
    retention_days: int = Field(default=365, ge=1)
    # the API key is read from $YUQING_ES_API_KEY, never from this file


class StorageSettings(Strict):
    backend: Literal["sqlite", "elasticsearch"] = "sqlite"
    path: str = "var/yuqing.db"
    elasticsearch: ElasticsearchSettings = Field(default_factory=ElasticsearchSettings)


class SmtpSettings(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8025, ge=1, le=65535)
    starttls: bool = False
    ssl: bool = False
    username: str | None = None  # password from $YUQING_SMTP_PASSWORD
    from_: Sender = Field(default="舆情哨兵 <yuqing-sentinel@localhost>", alias="from")
    timeout: float = 10.0


class ScheduleSettings(Strict):
    crawl: Interval = parse_duration(
        "1h"
    )  # how often due sources are checked (per-source interval rules)
    alerts: Interval = parse_duration("5m")
    delivery: Interval = parse_duration("1m")
    digest_time: ClockTime = "08:00"
    weekly_digest_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"


class ModelSettings(Strict):
    path: str | None = None  # null = the bundled default model
    uncertain_below: float = Field(default=0.5, ge=0, le=1)


class CrawlSettings(Strict):
    user_agent: str = "YuqingSentinel/0.1 (+public-opinion monitoring; contact: duty office)"
    obey_robots: bool = True
    concurrent_requests: int = Field(default=16, ge=1)
    concurrent_requests_per_domain: int = Field(default=4, ge=1)
    download_delay: float = Field(default=0.25, ge=0)
    autothrottle: bool = True
    timeout: float = Field(default=20.0, gt=0)
    retries: int = Field(default=2, ge=0)
    retry_backoff: float = Field(default=0.5, ge=0)  # seconds before the 1st retry, doubling
    max_page_bytes: int = Field(default=5_000_000, ge=1024)
    max_redirects: int = Field(default=5, ge=0)
    max_list_pages: int = Field(default=20, ge=1)  # pagination depth per source per crawl
    unhealthy_after: int = Field(default=3, ge=1)  # consecutive failing crawls
    progress: Literal["auto", "always", "never"] = "auto"
    nlp_workers: int = Field(default=0, ge=0)  # text-analysis processes (0 = in-process)


class DigestSettings(Strict):
    recipients: Addresses = Field(default_factory=list)
    out_dir: str = "var/digests"
    state_path: str = "var/digest.db"  # who received which digest; the last scheduled day
    #: a post published more than this before the period it was collected in is a backfill:
    #: not a hot event or notable post of that period (yuqing.models.news_since)
    backfill_after: Duration = parse_duration("3d")


class Settings(Strict):
    timezone: str = "Asia/Shanghai"
    var_dir: str = "var"
    storage: StorageSettings = Field(default_factory=StorageSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    model: ModelSettings = Field(default_factory=ModelSettings)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    nlp: NLPSettings = Field(default_factory=NLPSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    @model_validator(mode="after")
    def _cluster_needs_shared_store(self) -> Settings:
        if self.cluster.enabled and self.storage.backend != "elasticsearch":
            raise ValueError(
                "cluster.redis_url is set but storage.backend is "
                f"{self.storage.backend!r}: several machines need a shared store "
                "(set storage.backend: elasticsearch)"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception as exc:
            raise ValueError(f"unknown time zone {value!r} (e.g. Asia/Shanghai)") from exc
        return value


# ---------------------------------------------------------------- sources.yaml
class Source(Strict):
    """One entry of sources.yaml: the keys every source takes. The keys of its spider kind
    (``selectors`` for html, ``fields`` for json, …) are that kind's ``Options``, validated by
    the spider registry (``yuqing.crawlers.spiders.SPIDERS``); here they are kept as extras."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_default=True)

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    kind: str  # a spider kind: yuqing.crawlers.spiders.SPIDERS
    urls: list[str] = Field(min_length=1)
    name: str | None = None
    channel: str = "portal"  # one of yuqing.models.CHANNELS
    interval: Interval = parse_duration("1h")
    region: str | None = None
    owner: str | None = None  # department id (source-health alerts)
    encoding: str | None = None  # force a charset when a site lies about it
    weight: float = Field(default=1.0, ge=0)
    enabled: bool = True
    max_pages: int | None = Field(default=None, ge=1)
    allowed_domains: list[str] | None = None  # default: the hosts of `urls`

    @field_validator("urls")
    @classmethod
    def _http_urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not re.match(r"^https?://[^/\s]+", url):
                raise ValueError(f"not an http(s) URL: {url!r}")
        return urls

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, value: str | None) -> str | None:
        import codecs

        if value is not None:
            try:
                codecs.lookup(value)
            except LookupError:
                raise ValueError(
                    f"unknown encoding {value!r} (e.g. gb18030, big5, utf-8)"
                ) from None
        return value

    @field_validator("channel")
    @classmethod
    def _known_channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"unknown channel {value!r} (use one of: {', '.join(CHANNELS)})")
        return value


class SourcesFile(Strict):
    sources: list[Source] = Field(default_factory=list)


# ---------------------------------------------------------------- topics.yaml
class Topic(Strict):
    id: str
    name: str
    keywords: list[str] = Field(default_factory=list)
    departments: list[str] = Field(default_factory=list)  # lead unit first


class TopicsFile(Strict):
    categories: list[Topic] = Field(default_factory=list)  # single-label categories (routing)
    focus: list[Topic] = Field(default_factory=list)  # the focus areas (priority)
    domains: list[Topic] = Field(default_factory=list)  # finer routing table (DOMAIN.md)


# ---------------------------------------------------------------- departments.yaml
class Webhook(Strict):
    """A group robot of a department. ``kind`` names a delivery channel
    (``yuqing.alerts.channels.CHANNELS``); the other keys are that channel's ``Options``
    (``url_env``, …), validated by the channel registry and kept here as extras."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, validate_default=True)

    kind: str


class Department(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    name: str
    emails: Addresses = Field(default_factory=list)
    webhooks: list[Webhook] = Field(default_factory=list)
    region: str | None = None
    escalate_to: str | None = None
    duty: bool = False  # the 网信办 duty office: catches unroutable alerts


class DepartmentsFile(Strict):
    departments: list[Department] = Field(default_factory=list)


# ---------------------------------------------------------------- rules.yaml
class Rule(Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    type: str
    level: Level = "yellow"
    window: Interval = parse_duration("24h")
    enabled: bool = True
    description: str | None = None
    departments: list[str] | None = None  # routing override
    options: dict = Field(default_factory=dict)  # validated by the rule type (alerts/)

    @field_validator("id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "manual":  # alerts/manual.py: the duty office's own alerts
            raise ValueError("'manual' is reserved for alerts raised by hand (人工报送)")
        return value


class RulesFile(Strict):
    rules: list[Rule] = Field(default_factory=list)
