"""Load and validate a configuration directory, collecting every problem at once.

A problem names the file, the key (``sources[2].selectors.tilte``) and a hint, so
``yuqing config check`` can print all of them in one go.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from yuqing.config.models import (
    Department,
    DepartmentsFile,
    Rule,
    RulesFile,
    Settings,
    Source,
    SourcesFile,
    TopicsFile,
)
from yuqing.errors import YuqingError

FILES: dict[str, type[BaseModel]] = {
    "settings.yaml": Settings,
    "sources.yaml": SourcesFile,
    "topics.yaml": TopicsFile,
    "departments.yaml": DepartmentsFile,
    "rules.yaml": RulesFile,
}

_HINTS = {
    "extra_forbidden": "unknown key: check the spelling against docs/configuration.md",
    "missing": "this key is required",
    "literal_error": "use one of the listed values",
    "string_pattern_mismatch": "see docs/configuration.md for the accepted format",
    "too_short": "give at least one value",
}


@dataclass(frozen=True)
class Problem:
    file: str
    key: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{where}: {self.message}{hint}"


class ConfigError(YuqingError):
    """Configuration is invalid; ``problems`` lists every problem found. The message is the
    first problem (and how many more there are)."""

    what = "configuration"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0]) if problems else "invalid configuration"
        more = (
            f" (+{len(problems) - 1} more: `yuqing config check` lists them all)"
            if len(problems) > 1
            else ""
        )
        super().__init__(first + more)


@dataclass
class Config:
    dir: Path
    settings: Settings = field(default_factory=Settings)
    sources: SourcesFile = field(default_factory=SourcesFile)
    topics: TopicsFile = field(default_factory=TopicsFile)
    departments: DepartmentsFile = field(default_factory=DepartmentsFile)
    rules: RulesFile = field(default_factory=RulesFile)

    def path(self, value: str) -> Path:
        """Resolve a path setting: relative paths are relative to the config dir's parent."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.dir.parent / p)

    def source(self, source_id: str):
        for s in self.sources.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)

    def department(self, dept_id: str):
        for d in self.departments.departments:
            if d.id == dept_id:
                return d
        raise KeyError(dept_id)


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Loader(yaml.SafeLoader):
    """Safe YAML that records duplicate keys (plain YAML keeps the last one silently) and reads
    an unquoted ``18:30`` as the text it looks like: YAML 1.1 (PyYAML) resolves it to the
    base-60 integer 1110, so ``schedule.digest_time: 18:30`` failed with "Input should be a
    valid string" while ``08:00`` passed. YAML 1.2 dropped base-60 numbers; so do we."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[object, int, int]] = []  # key, line, first line

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    if key in first:
                        self.duplicates.append((key, line, first[key]))
                    else:
                        first[key] = line
                except TypeError:  # an unhashable key: the constructor reports it
                    pass
        return super().construct_mapping(node, deep)


_BASE_60 = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# SafeLoader's implicit resolvers, the int and float ones refusing any scalar with a colon
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, re.compile(r"(?!.*:)" + rx.pattern, rx.flags) if tag in _BASE_60 else rx)
        for tag, rx in resolvers
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path, problems: list[Problem]) -> dict | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            Problem(
                path.name,
                "",
                f"not UTF-8 ({exc.reason} at byte {exc.start})",
                "save the file as UTF-8",
            )
        )
        return None
    except OSError as exc:
        problems.append(
            Problem(path.name, "", f"cannot read: {exc.strerror}", "check the file's permissions")
        )
        return None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        msg = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(
            Problem(path.name, where, f"YAML syntax error: {msg}", "check indentation and quoting")
        )
        return None
    finally:
        loader.dispose()
    for key, line, first in loader.duplicates:
        problems.append(
            Problem(
                path.name,
                f"line {line}",
                f"duplicate key {key!r} (first at line {first})",
                "YAML would keep only the last value; keep one",
            )
        )
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(
            Problem(path.name, "", "top level must be a mapping", "see docs/configuration.md")
        )
        return None
    return data


M = TypeVar("M", bound=BaseModel)

#: The entries of the list files: (list key, entry model). Plug-in checks run per entry.
ENTRIES: dict[str, tuple[str, type[BaseModel]]] = {
    "sources.yaml": ("sources", Source),
    "departments.yaml": ("departments", Department),
    "rules.yaml": ("rules", Rule),
}
#: A check a higher layer adds to loading, for one entry of a list file: (index, entry, the
#: loaded config) -> problems. It runs on every entry that validates, even when another entry
#: or another file has problems, so one run reports everything.
EntryCheck = Callable[[int, Any, "Config"], list[Problem]]


def load_config(
    directory: str | os.PathLike | None = None, checks: Mapping[str, EntryCheck] | None = None
) -> Config:
    """Load ``directory`` (default ``$YUQING_CONFIG`` or ``./config``); raise ConfigError with
    every problem, including those of ``checks`` (file name -> entry check: the plug-in
    registries' validation, which the application passes, ``yuqing.app.config``)."""
    directory = Path(directory or os.environ.get("YUQING_CONFIG") or "config").resolve()
    problems: list[Problem] = []
    if not directory.is_dir():
        raise ConfigError(
            [
                Problem(
                    str(directory),
                    "",
                    "configuration directory not found",
                    "pass --config DIR or set YUQING_CONFIG",
                )
            ]
        )
    parsed: dict[str, BaseModel] = {}
    raw: dict[str, dict] = {}
    invalid_ids: set[str] = set()
    positions: dict[str, list[int]] = {}
    unreadable = False  # a file that is not YAML at all: checks across files would mislead
    for name, model in FILES.items():
        path = directory / name
        if not path.exists():
            parsed[name] = model()
            continue
        data = _read_yaml(path, problems)
        if data is None:
            unreadable = True
            continue
        raw[name] = data
        try:
            parsed[name] = model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                message = err["msg"].removeprefix("Value error, ")
                problems.append(
                    Problem(name, _loc(err["loc"]), message, _HINTS.get(err["type"], ""))
                )
            parsed[name], invalid = _valid_part(model, data, positions)
            invalid_ids.update(invalid)
    cfg = Config(
        dir=directory,
        settings=_part(parsed, "settings.yaml", Settings),
        sources=_part(parsed, "sources.yaml", SourcesFile),
        topics=_part(parsed, "topics.yaml", TopicsFile),
        departments=_part(parsed, "departments.yaml", DepartmentsFile),
        rules=_part(parsed, "rules.yaml", RulesFile),
    )
    for name, check in (checks or {}).items():
        problems.extend(_check_entries(name, raw.get(name), check, cfg))
    if not unreadable:
        problems.extend(cross_check(cfg, invalid_ids, positions))
    if problems:
        raise ConfigError(problems)
    return cfg


def _part(parsed: dict[str, BaseModel], name: str, model: type[M]) -> M:
    """The validated file, or the model's defaults when the file is absent or invalid."""
    value = parsed.get(name)
    return value if isinstance(value, model) else model()


def _check_entries(name: str, data: dict | None, check: EntryCheck, cfg: Config) -> list[Problem]:
    key, model = ENTRIES[name]
    entries = (data or {}).get(key)
    out: list[Problem] = []
    for i, item in enumerate(entries if isinstance(entries, list) else []):
        usable = _usable(item, model.model_validate)
        if usable is None:
            continue  # nothing more to check; its problems are reported with the file's
        out.extend(check(i, model.model_validate(usable), cfg))
    return out


def _usable(entry: object, validate: Callable[[Any], Any], prefix: tuple = ()) -> Any:
    """``entry`` if ``validate`` accepts it; else the entry without its broken top-level
    keys (their defaults in their place) if that is accepted, so the checks of the rest of a
    broken entry still run and one run reports every problem of it (the broken keys are
    reported by the entry's own validation); else None (a required key is broken, or the
    entry is no mapping). ``prefix``: where the entry stands in what ``validate`` checks."""
    try:
        validate(entry)
        return entry
    except ValidationError as exc:
        n = len(prefix)
        broken = {
            err["loc"][n]
            for err in exc.errors()
            if len(err["loc"]) > n and tuple(err["loc"][:n]) == prefix
        }
    if not isinstance(entry, dict) or not broken:
        return None
    rest = {k: v for k, v in entry.items() if k not in broken}
    try:
        validate(rest)
    except ValidationError:
        return None
    return rest


def _valid_part(
    model: type[BaseModel], data: dict, positions: dict[str, list[int]]
) -> tuple[BaseModel, set[str]]:
    """What of ``data`` is valid (sections, list entries — a broken entry without its
    broken keys, :func:`_usable`), so the checks across files still run on it, and the ids of
    the invalid entries (they exist, their problems are reported already); the original
    index of each list entry kept goes to ``positions``."""
    part: dict = {}
    invalid: set[str] = set()
    for key, value in data.items():
        try:
            model.model_validate({key: value})
            part[key] = value
            continue
        except ValidationError:
            pass
        if isinstance(value, list):
            part[key], positions[key] = [], []
            for i, entry in enumerate(value):
                usable = _usable(entry, partial(_validate_entry, model, key), (key, 0))
                if usable is not None:
                    part[key].append(usable)
                    positions[key].append(i)
                if (
                    usable is not entry
                    and isinstance(entry, dict)
                    and isinstance(entry.get("id"), str)
                ):
                    invalid.add(entry["id"])
    try:
        return model.model_validate(part), invalid
    except ValidationError:
        return model(), invalid


def _validate_entry(model: type[BaseModel], key: str, entry: object) -> BaseModel:
    """``model`` validated with ``entry`` as the only item of its list ``key``."""
    return model.model_validate({key: [entry]})


def _duplicates(ids: list[str]) -> set[str]:
    seen: set[str] = set()
    dups: set[str] = set()
    for i in ids:
        (dups if i in seen else seen).add(i)
    return dups


def cross_check(
    cfg: Config,
    invalid_ids: set[str] | None = None,
    positions: dict[str, list[int]] | None = None,
) -> list[Problem]:
    """Checks that span files: ids unique, every referenced department exists, one duty
    office, no escalation cycles. ``invalid_ids``: entries that exist but failed their own
    validation (already reported), so references to them are not reported again;
    ``positions``: where the entries that passed stand in their file's list."""
    problems: list[Problem] = []

    def at(name: str, i: int) -> int:
        kept = (positions or {}).get(name)
        return kept[i] if kept is not None and i < len(kept) else i

    depts = {d.id for d in cfg.departments.departments} | (invalid_ids or set())
    for name, ids in (
        ("sources.yaml", [s.id for s in cfg.sources.sources]),
        ("departments.yaml", [d.id for d in cfg.departments.departments]),
        ("rules.yaml", [r.id for r in cfg.rules.rules]),
    ):
        for dup in sorted(_duplicates(ids)):
            problems.append(Problem(name, f"id {dup}", "duplicate id", "ids must be unique"))

    def ref(file: str, key: str, dept: str | None) -> None:
        if dept and dept not in depts:
            problems.append(
                Problem(
                    file,
                    key,
                    f"unknown department {dept!r}",
                    "add it to departments.yaml or fix the id",
                )
            )

    for i, s in enumerate(cfg.sources.sources):
        ref("sources.yaml", f"sources[{at('sources', i)}].owner", s.owner)
    for group in ("categories", "focus", "domains"):
        for i, t in enumerate(getattr(cfg.topics, group)):
            for j, d in enumerate(t.departments):
                ref("topics.yaml", f"{group}[{at(group, i)}].departments[{j}]", d)
    for i, d in enumerate(cfg.departments.departments):
        ref("departments.yaml", f"departments[{at('departments', i)}].escalate_to", d.escalate_to)
    for i, r in enumerate(cfg.rules.rules):
        for j, d in enumerate(r.departments or []):
            ref("rules.yaml", f"rules[{at('rules', i)}].departments[{j}]", d)
    duty = [d.id for d in cfg.departments.departments if d.duty]
    if cfg.departments.departments and not duty and not invalid_ids:
        problems.append(
            Problem(
                "departments.yaml",
                "departments",
                "no duty office (duty: true)",
                "mark the 网信办 duty office so unroutable alerts reach someone",
            )
        )
    if len(duty) > 1:
        problems.append(
            Problem(
                "departments.yaml",
                "departments",
                f"{len(duty)} duty offices ({', '.join(duty)})",
                "mark exactly one department duty: true",
            )
        )
    problems.extend(_escalation_cycles(cfg, at))
    problems.extend(_nlp_topics(cfg))
    return problems


def _nlp_topics(cfg: Config) -> list[Problem]:
    """The NLP settings that name focus topics name topics.yaml's (a misspelt id would turn
    the feature off for that topic without a word)."""
    focus = {t.id for t in cfg.topics.focus}
    nlp = cfg.settings.nlp
    if not focus:
        return []
    return [
        Problem(
            "settings.yaml",
            f"{key}[{j}]",
            f"unknown focus topic {v!r}",
            f"use one of: {', '.join(sorted(focus))}",
        )
        for key, values in (
            ("nlp.focus_share_retro", nlp.focus_share_retro),
            ("nlp.events.sample_topics", nlp.events.sample_topics),
        )
        for j, v in enumerate(values)
        if v not in focus
    ]


def _escalation_cycles(cfg: Config, at) -> list[Problem]:
    """``escalate_to`` chains must end: no department escalates to itself, directly or not."""
    nxt = {d.id: d.escalate_to for d in cfg.departments.departments}
    index = {d.id: i for i, d in enumerate(cfg.departments.departments)}
    problems, reported = [], set()
    for start in nxt:
        chain, here = [start], nxt[start]
        while here is not None and here in nxt and here not in chain:
            chain.append(here)
            here = nxt[here]
        if here is None or here not in chain or here in reported:
            continue
        loop = chain[chain.index(here) :]
        reported.update(loop)
        message = (
            f"{here} escalates to itself"
            if len(loop) == 1
            else "escalate_to cycle: " + " → ".join([*loop, here])
        )
        problems.append(
            Problem(
                "departments.yaml",
                f"departments[{at('departments', index[here])}].escalate_to",
                message,
                "an escalation chain must end at a department without escalate_to",
            )
        )
    return problems
