"""Load and validate a configuration directory, collecting every problem at once.

A problem names the file, the key (``sources[2].selectors.tilte``) and a hint, so
``yuqing config check`` can print all of them in one go.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        msg = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.append(
            Problem(path.name, where, f"YAML syntax error: {msg}", "check indentation and quoting")
        )
        return None
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
    for name, model in FILES.items():
        path = directory / name
        if not path.exists():
            parsed[name] = model()
            continue
        data = _read_yaml(path, problems)
        if data is None:
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
    if not problems:
        problems.extend(cross_check(cfg))
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
        try:
            entry = model.model_validate(item)
        except ValidationError:
            continue  # reported with the file's other problems
        out.extend(check(i, entry, cfg))
    return out


def _duplicates(ids: list[str]) -> set[str]:
    seen: set[str] = set()
    dups: set[str] = set()
    for i in ids:
        (dups if i in seen else seen).add(i)
    return dups


def cross_check(cfg: Config) -> list[Problem]:
    """Checks that span files: ids unique, every referenced department exists."""
    problems: list[Problem] = []
    depts = {d.id for d in cfg.departments.departments}
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
        ref("sources.yaml", f"sources[{i}].owner", s.owner)
    for group in ("categories", "focus", "domains"):
        for i, t in enumerate(getattr(cfg.topics, group)):
            for j, d in enumerate(t.departments):
                ref("topics.yaml", f"{group}[{i}].departments[{j}]", d)
    for i, d in enumerate(cfg.departments.departments):
        ref("departments.yaml", f"departments[{i}].escalate_to", d.escalate_to)
    for i, r in enumerate(cfg.rules.rules):
        for j, d in enumerate(r.departments or []):
            ref("rules.yaml", f"rules[{i}].departments[{j}]", d)
    if cfg.departments.departments and not any(d.duty for d in cfg.departments.departments):
        problems.append(
            Problem(
                "departments.yaml",
                "departments",
                "no duty office (duty: true)",
                "mark the 网信办 duty office so unroutable alerts reach someone",
            )
        )
    return problems
