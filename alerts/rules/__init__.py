"""Rule types: a name -> class registry, validation of ``rules.yaml`` and rule building.

Adding a rule type is one file here (a :class:`RuleType` subclass with its ``Options``) plus
its line in ``RULE_TYPES`` and one test file (docs/plugins.md).
"""

from __future__ import annotations

from yuqing.alerts.rules.base import Match, RuleSetupError, RuleType
from yuqing.alerts.rules.dormancy import DormancyRule
from yuqing.alerts.rules.focus_risk import FocusRiskRule
from yuqing.alerts.rules.hotness import HotnessRule
from yuqing.alerts.rules.keyword import KeywordRule
from yuqing.alerts.rules.negativity import NegativityRule
from yuqing.alerts.rules.source_health import SourceHealthRule
from yuqing.alerts.rules.spike import SpikeRule
from yuqing.alerts.rules.volume import VolumeRule
from yuqing.config.loader import ConfigError, Problem
from yuqing.config.plugins import Registry

RULE_TYPES: Registry[RuleType] = Registry(
    "rule type",
    "rules.yaml",
    "name",
    [
        HotnessRule,
        SpikeRule,
        VolumeRule,
        KeywordRule,
        NegativityRule,
        FocusRiskRule,
        SourceHealthRule,
        DormancyRule,
    ],
)
FILE = RULE_TYPES.file


def _build_one(i: int, rule, cfg, problems: list[Problem]) -> RuleType | None:
    key = f"rules[{i}]"
    cls = RULE_TYPES.get(rule.type)
    if cls is None:
        problems.append(RULE_TYPES.unknown(rule.type, f"{key}.type"))
        return None
    options = RULE_TYPES.options(rule.type, rule.options, f"{key}.options", problems)
    if options is None:
        return None
    try:
        instance = cls(rule, options, cfg)
    except RuleSetupError as exc:
        problems.append(Problem(FILE, f"{key}.{exc.key}", exc.message, exc.hint))
        return None
    if cfg is not None:
        for opt, msg, hint in instance.check_config(cfg):
            problems.append(Problem(FILE, f"{key}.{opt}", msg, hint))
    return instance


def check_rule(i: int, rule, cfg) -> list[Problem]:
    """The problems of ``rules[i]``: unknown type, bad or missing options, references."""
    problems: list[Problem] = []
    _build_one(i, rule, cfg, problems)
    return problems


def validate(cfg) -> list[Problem]:
    """Every problem in ``cfg.rules`` (unknown types, bad or missing options, references)."""
    problems: list[Problem] = []
    for i, rule in enumerate(cfg.rules.rules):
        _build_one(i, rule, cfg, problems)
    return problems


def build_rules(
    cfg,
    only: list[str] | None = None,
    include_disabled: bool = False,
    problems: list[Problem] | None = None,
) -> list[RuleType]:
    """Rule instances for the enabled rules (or the ``only`` ids). Raises ConfigError on
    problems — unless a ``problems`` list is given: then broken rules are skipped and their
    problems appended there (the daemon keeps alerting on the rules that are fine)."""
    strict = problems is None
    problems = [] if problems is None else problems
    out: list[RuleType] = []
    for i, rule in enumerate(cfg.rules.rules):
        if only is not None and rule.id not in only:
            continue
        if not rule.enabled and not include_disabled and only is None:
            continue
        inst = _build_one(i, rule, cfg, problems)
        if inst is not None:
            out.append(inst)
    if problems and strict:
        raise ConfigError(problems)
    if only:
        missing = sorted(set(only) - {r.rule.id for r in out})
        if missing:
            raise ConfigError(
                [
                    Problem(
                        FILE, "rules", f"no rule with id {m!r}", "see `yuqing alerts test --help`"
                    )
                    for m in missing
                ]
            )
    return out


__all__ = ["Match", "RULE_TYPES", "RuleType", "build_rules", "check_rule", "validate"]
