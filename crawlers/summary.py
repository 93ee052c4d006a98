"""Per-run crawl summary: fetched, new, updated, unchanged, failed by reason, per source."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SourceSummary:
    source_id: str
    fetched: int = 0  # responses received (any status)
    new: int = 0
    updated: int = 0
    unchanged: int = 0  # stored content identical, or 304 Not Modified
    failed: Counter = field(default_factory=Counter)  # reason -> count
    ok_responses: int = 0  # 2xx/304 responses
    error: str | None = None  # last failure, "reason url"
    not_analysed: int = 0  # stored without analysis (noted; analysed by a later run)
    gaps: int = 0  # list stretches still owed after this crawl (crawlers/backlog.py)
    backlog: str = ""  # "pending: 1 gap, resume at page 5"
    interrupted: bool = False  # stopped by SIGINT/SIGTERM before its crawl finished

    @property
    def failed_total(self) -> int:
        return sum(self.failed.values())

    def fail(self, reason: str, url: str) -> None:
        self.failed[reason] += 1
        self.error = f"{reason} {url}"

    def as_dict(self) -> dict:
        return {
            "source_id": self.source_id,
            "fetched": self.fetched,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": dict(self.failed),
            "failed_total": self.failed_total,
            "error": self.error,
            "not_analysed": self.not_analysed,
            "gaps": self.gaps,
            "backlog": self.backlog,
            "interrupted": self.interrupted,
        }


@dataclass
class CrawlSummary:
    sources: dict[str, SourceSummary] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # not due
    seconds: float = 0.0
    nlp_error: str | None = None  # why the NLP stage could not be loaded (posts unanalysed)
    reanalysed: int = 0  # posts stored earlier without analysis, analysed by this run

    def source(self, source_id: str) -> SourceSummary:
        if source_id not in self.sources:
            self.sources[source_id] = SourceSummary(source_id)
        return self.sources[source_id]

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.sources.values())

    @property
    def interrupted(self) -> list[str]:
        """The sources stopped (SIGINT/SIGTERM) before their crawl finished."""
        return sorted(sid for sid, s in self.sources.items() if s.interrupted)

    def failed_by_reason(self) -> Counter:
        out: Counter = Counter()
        for s in self.sources.values():
            out.update(s.failed)
        return out

    def as_dict(self) -> dict:
        return {
            "sources": {k: v.as_dict() for k, v in sorted(self.sources.items())},
            "skipped": self.skipped,
            "totals": {n: self.total(n) for n in ("fetched", "new", "updated", "unchanged")}
            | {"failed": dict(self.failed_by_reason())},
            "seconds": round(self.seconds, 2),
            "nlp_error": self.nlp_error,
            "reanalysed": self.reanalysed,
            "interrupted": self.interrupted,
        }

    def render(self) -> str:
        """The table ``yuqing crawl`` prints at the end."""
        rows = [
            f"{'source':<28}{'fetched':>8}{'new':>6}{'updated':>8}{'unchanged':>10}"
            f"{'failed':>7}  reasons"
        ]
        for sid, s in sorted(self.sources.items()):
            reasons = ", ".join(f"{r}×{n}" for r, n in sorted(s.failed.items()))
            rows.append(
                f"{sid:<28}{s.fetched:>8}{s.new:>6}{s.updated:>8}{s.unchanged:>10}"
                f"{s.failed_total:>7}  {reasons}"
            )
        t = self.as_dict()["totals"]
        rows.append(
            f"{'total':<28}{t['fetched']:>8}{t['new']:>6}{t['updated']:>8}"
            f"{t['unchanged']:>10}{sum(t['failed'].values()):>7}"
        )
        for sid, s in sorted(self.sources.items()):
            if s.backlog:
                rows.append(f"backlog {sid}: {s.backlog} (later crawls continue there)")
        if self.reanalysed:
            rows.append(f"analysed {self.reanalysed} post(s) stored earlier without analysis")
        if self.interrupted:
            rows.append(
                f"interrupted: {', '.join(self.interrupted)} (what was fetched is stored; "
                "they are due again at once)"
            )
        if self.skipped:
            rows.append(f"not due: {', '.join(self.skipped)}")
        if self.nlp_error:
            rows.append(f"NLP not loaded, posts stored without analysis: {self.nlp_error}")
        return "\n".join(rows)
