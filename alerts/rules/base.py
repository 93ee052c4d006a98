"""The rule-type plug-in shape (after ElastAlert 2): a small class with documented options.

A rule type declares ``name``, an ``Options`` pydantic model (its fields *are* the documented
options; fields without a default are the ``required_options``) and ``evaluate(snapshot)``
returning :class:`Match` objects. The engine turns matches into alerts (level, id, routing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from yuqing.config.models import Rule
from yuqing.config.plugins import Options as PluginOptions
from yuqing.errors import YuqingError


class RuleSetupError(YuqingError):
    """A rule cannot be built from valid-looking options (e.g. its lexicon file is missing)."""

    def __init__(self, key: str, message: str, hint: str = ""):
        super().__init__(message)
        self.key, self.message, self.hint = key, message, hint


class Options(PluginOptions):
    """Base of a rule type's options (see :mod:`yuqing.config.plugins`)."""


RuleOptions = Options  # the name inside RuleType, where ``Options`` is the class attribute
OptionsT = TypeVar("OptionsT", bound=Options)


@dataclass
class Match:
    """One thing a rule found. ``subject`` identifies it across checks (``event:<id>``,
    ``source:<id>``, ``focus:<id>``, ``post:<id>`` …) and, with the rule and window, makes the
    alert id."""

    subject: str
    title: str
    summary: str = ""
    event_id: str | None = None
    source_id: str | None = None
    level: str | None = None  # overrides the rule's level (e.g. dormancy -> red)
    focus: list[str] = field(default_factory=list)
    category: str | None = None
    region: str | None = None
    text: str = ""  # title/keywords used for domain routing
    owner: str | None = None  # the source's owner department (source alerts)
    size: float | None = None  # growth measure: an event that doubles goes up a level
    post_ids: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)
    #: earlier subjects of the same thing (``event:<id>`` of fragments merged into the event by
    #: consolidation): an alert about one of them counts as an earlier alert about this one
    aliases: list[str] = field(default_factory=list)
    #: fields read from posts only when the match becomes an alert (routing, evidence): a
    #: check where most matches are suppressed (realert) then reads no posts for them
    fill: Callable[[], dict[str, Any]] | None = field(default=None, repr=False, compare=False)

    def complete(self) -> Match:
        """Apply the deferred fields once (the engine calls it before routing)."""
        if self.fill is not None:
            fill, self.fill = self.fill, None
            for name, value in fill().items():
                setattr(self, name, value)
        return self


class RuleType(Generic[OptionsT]):
    """``RuleType[HotnessOptions]``: ``self.options`` is the rule type's own options model."""

    name: ClassVar[str] = ""
    Options: ClassVar[type[RuleOptions]] = RuleOptions
    #: what a match is about: events/topics are routed by topic, sources by owner
    subject_kind: ClassVar[str] = "event"

    def __init__(self, rule: Rule, options: OptionsT, cfg=None):
        self.rule, self.options, self.cfg = rule, options, cfg
        self.window = rule.window  # a timedelta (parsed at config load)

    @classmethod
    def required_options(cls) -> list[str]:
        return [n for n, f in cls.Options.model_fields.items() if f.is_required()]

    def evaluate(self, snap) -> list[Match]:  # pragma: no cover - interface
        raise NotImplementedError

    def check_config(self, cfg) -> list[tuple[str, str, str]]:
        """Cross-file checks: ``(option key, message, hint)`` for each problem."""
        return []


def focus_ids(cfg) -> set[str]:
    return {t.id for t in cfg.topics.focus} if cfg is not None else set()


def category_ids(cfg) -> set[str]:
    return {t.id for t in cfg.topics.categories} if cfg is not None else set()


def unknown(values, known: set[str], key: str, what: str) -> list[tuple[str, str, str]]:
    if not known:
        return []
    return [
        (key, f"unknown {what} {v!r}", f"use one of: {', '.join(sorted(known))}")
        for v in values or []
        if v not in known
    ]


def event_match(event, **kw) -> Match:
    """A match about an event, carrying what routing needs."""
    return Match(
        subject=f"event:{event.id}",
        title=event.title,
        event_id=event.id,
        focus=list(event.focus),
        category=event.category,
        region=event.region,
        text=" ".join([event.title, *event.keywords]),
        size=float(event.size),
        post_ids=list(event.post_ids[:20]),
        aliases=[f"event:{a}" for a in getattr(event, "aliases", [])],
        **kw,
    )
