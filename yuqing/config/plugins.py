"""The plug-in shape shared by rule types, spider kinds and delivery channels.

A plug-in is a class with a name (``RuleType.name``, ``SourceSpider.kind``, ``Channel.name``)
and a pydantic ``Options`` model: its fields *are* the plug-in's documented options (a field
without a default is required, its ``description`` is the hint). Each stage keeps an explicit
:class:`Registry` of its plug-ins (``yuqing.alerts.rules.RULE_TYPES``,
``yuqing.crawlers.spiders.SPIDERS``, ``yuqing.alerts.channels.CHANNELS``); the configuration's
``type`` / ``kind`` values are checked against it and the options against the plug-in's model,
every problem named with file, key and hint. Adding a plug-in is one file (the class) plus
its line in the registry and one test file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from yuqing.config.loader import Problem

P = TypeVar("P")


class Options(BaseModel):
    """Base of every plug-in's options: unknown keys are errors, defaults are validated."""

    model_config = ConfigDict(extra="forbid", validate_default=True)


def _loc(loc: tuple) -> str:
    return ".".join(str(p) for p in loc if p != "__root__")


class Registry(Generic[P]):
    """``name -> plug-in class``, in the order given (the order of the docs)."""

    def __init__(self, what: str, file: str, name_attr: str, classes: Iterable[type[P]]):
        self.what, self.file = what, file
        self._classes: dict[str, type[P]] = {getattr(c, name_attr): c for c in classes}

    def __getitem__(self, name: str) -> type[P]:
        return self._classes[name]

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def get(self, name: str) -> type[P] | None:
        return self._classes.get(name)

    def items(self) -> Iterable[tuple[str, type[P]]]:
        return self._classes.items()

    def values(self) -> Iterable[type[P]]:
        return self._classes.values()

    @property
    def names(self) -> list[str]:
        return list(self._classes)

    def unknown(self, name: object, key: str) -> Problem:
        return Problem(
            self.file, key, f"unknown {self.what} {name!r}", f"use one of: {', '.join(self)}"
        )

    def options(
        self,
        name: str,
        raw: Mapping[str, Any] | None,
        prefix: str,
        problems: list[Problem],
        also: str = "",
    ) -> BaseModel | None:
        """The validated options of plug-in ``name`` from ``raw``, or None with the problems
        appended (keys under ``prefix``; ``also`` names keys every entry takes, for the hint
        on an unknown key)."""
        model = self._model(name)
        try:
            return model.model_validate(dict(raw or {}))
        except ValidationError as exc:
            for err in exc.errors():
                where = _loc(err["loc"])
                key = f"{prefix}.{where}" if where else prefix
                problems.append(
                    Problem(
                        self.file,
                        key,
                        err["msg"].removeprefix("Value error, "),
                        self._hint(name, err, also),
                    )
                )
            return None

    def _model(self, name: str) -> type[BaseModel]:
        """Plug-in ``name``'s options model."""
        return self[name].Options  # type: ignore[attr-defined]  # P is any class that has one

    def _hint(self, name: str, err: Any, also: str) -> str:
        model = self._model(name)
        if err["type"] == "missing":
            field = model.model_fields.get(str(err["loc"][0]))
            what = field.description if field and field.description else "see the docs"
            return f"required by {self.what} '{name}': {what}"
        if err["type"] == "extra_forbidden":
            if len(err["loc"]) > 1:  # inside one of the options
                return "unknown key: check the spelling against docs/configuration.md"
            own = ", ".join(model.model_fields) or "nothing else"
            return f"unknown key: {also}{self.what} '{name}' takes: {own}"
        return ""
