"""Routing: which departments an alert goes to (lead unit first, co-responsible after).

Order of evidence: a rule's own ``departments`` override; for source alerts the source's
``owner``; otherwise the lead from the primary focus topic's table (else the category's),
then, as co-responsible units, the one domain of the responsibility table whose keywords
match the alert's text most often, and the departments whose ``region`` is the alert's or
contains it (a county's departments for an alert about one of its townships:
:func:`yuqing.divisions.within`). Nothing matched -> the duty office (``duty: true``).
Source alerts and levels listed in ``alerts.copy_duty_levels`` also copy the duty office.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from yuqing.alerts.lexicon import Lexicon
from yuqing.alerts.rules.base import Match
from yuqing.divisions import same_place, within


@dataclass
class Route:
    departments: list[str]  # lead unit first
    reasons: list[str] = field(default_factory=list)

    @property
    def lead(self) -> str | None:
        return self.departments[0] if self.departments else None


class Router:
    def __init__(self, cfg, copy_duty_levels: list[str] | tuple[str, ...] = ("red",)):
        self.depts = {d.id: d for d in cfg.departments.departments}
        self.duty = [d.id for d in cfg.departments.departments if d.duty]
        self.focus = {t.id: t.departments for t in cfg.topics.focus}
        self.categories = {t.id: t.departments for t in cfg.topics.categories}
        self.categories.update({t.name: t.departments for t in cfg.topics.categories})
        self.domains = list(cfg.topics.domains)
        self._domain_terms: dict[str, list[str]] = {}
        for t in self.domains:
            for kw in t.keywords:
                self._domain_terms.setdefault(kw.lower(), []).append(t.id)
        self._domain_lex = Lexicon(self._domain_terms)
        self._domain_depts = {t.id: t.departments for t in self.domains}
        self.copy_duty_levels = set(copy_duty_levels)

    def route(
        self,
        match: Match,
        level: str,
        override: list[str] | None = None,
        source_alert: bool = False,
    ) -> Route:
        out: list[str] = []
        reasons: list[str] = []

        def add(ids, why: str) -> None:
            fresh = [d for d in ids if d in self.depts and d not in out]
            if fresh:
                out.extend(fresh)
                reasons.append(why)

        if override:
            add(override, "rule override")
        elif source_alert or match.owner:
            if match.owner:
                add([match.owner], f"source owner {match.owner}")
        else:
            # Precise routing (回应精准率): the lead comes from the primary focus topic, else
            # the category; the single best-matching domain of the responsibility table and
            # the departments of the alert's region are copied as co-responsible units.
            if match.focus:
                add(self.focus.get(match.focus[0], []), f"focus {match.focus[0]}")
            if not out and match.category:
                add(self.categories.get(match.category, []), f"category {match.category}")
            if match.text:
                hits = Counter(
                    d
                    for term in self._domain_lex.find(match.text)
                    for d in self._domain_terms[term]
                )
                if hits:
                    dom = max(sorted(hits), key=hits.__getitem__)
                    add(self._domain_depts.get(dom, []), f"domain {dom}")
            if match.region:
                add(self._of_region(match.region), f"region {match.region}")
        if not out:
            add(self.duty, "unroutable -> duty office")
        elif source_alert or level in self.copy_duty_levels:
            add(self.duty, "duty office copied")
        return Route(out, reasons)

    def _of_region(self, region: str) -> list[str]:
        """The departments of ``region``: those whose ``region`` it is (临海市白水洋镇 is
        白水洋镇), then those whose ``region`` contains it (白水洋镇 → the units of 临海市)."""
        same = [d.id for d in self.depts.values() if d.region and same_place(region, d.region)]
        return same + [
            d.id
            for d in self.depts.values()
            if d.region and d.id not in same and within(region, d.region)
        ]
