"""``keyword``: posts containing sensitive terms (literal lexicon, Aho-Corasick; no regex)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

from pydantic import Field, model_validator

from yuqing.alerts.lexicon import Lexicon
from yuqing.alerts.rules.base import Match, Options, RuleSetupError, RuleType
from yuqing.alerts.rules.grouping import routing_fields


class KeywordOptions(Options):
    terms: list[str] = Field(default_factory=list, description="literal terms (not regexes)")
    lexicon: str | None = Field(
        default=None, description="file of terms, one a line, relative to config/"
    )
    min_posts: int = Field(default=1, ge=1, description="posts per event needed to alert")
    in_title_only: bool = Field(default=False, description="match titles only")

    @model_validator(mode="after")
    def _some_terms(self) -> KeywordOptions:
        if not self.terms and not self.lexicon:
            raise ValueError("give `terms` (a list) or `lexicon` (a file of terms)")
        return self


def _lexicon_path(cfg, name: str) -> Path:
    p = Path(name)
    return p if p.is_absolute() or cfg is None else cfg.dir / p


class KeywordRule(RuleType[KeywordOptions]):
    """Posts in the window matching any term, one alert per event (or post without event)."""

    name = "keyword"
    Options = KeywordOptions

    def __init__(self, rule, options: KeywordOptions, cfg=None):
        super().__init__(rule, options, cfg)
        terms = list(options.terms)
        if options.lexicon:
            path = _lexicon_path(cfg, options.lexicon)
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise RuleSetupError(
                    "options.lexicon",
                    f"cannot read lexicon {path}: {exc.strerror or exc}",
                    "path is relative to the config directory",
                ) from exc
            terms += [t.strip() for t in text.splitlines() if t.strip() and not t.startswith("#")]
        self.lexicon = Lexicon(terms)
        #: changes when the terms or where they are looked for change: matches are re-found
        self.fingerprint = hashlib.sha1(
            json.dumps([sorted(set(terms)), options.in_title_only]).encode()
        ).hexdigest()

    def evaluate(self, snap) -> list[Match]:
        o = self.options

        def test(post) -> dict | None:  # run once per new post (alerts/matches.py)
            found = self.lexicon.find(
                post.title if o.in_title_only else post.title + "\n" + post.text
            )
            return {"terms": sorted(found)} if found else None

        groups: dict[str, list] = defaultdict(list)
        hits: dict[str, set[str]] = defaultdict(set)
        for post, found in snap.matching(self.rule.id, self.fingerprint, test, self.window):
            key = f"event:{post.event_id}" if post.event_id else f"post:{post.id}"
            groups[key].append(post)
            hits[key] |= set(found["terms"])
        out = []
        for key, posts in sorted(groups.items()):
            if len(posts) < o.min_posts:
                continue
            by, ident = key.split(":", 1)
            fields = routing_fields(by if by == "event" else "all", ident, posts)
            if by == "post":
                fields["source_id"] = posts[0].source_id
            terms = sorted(hits[key])
            out.append(
                Match(
                    subject=key,
                    title=posts[0].title,
                    summary=f"命中敏感词：{'、'.join(terms)}（{len(posts)} 条）",
                    size=float(len(posts)),
                    evidence={
                        "terms": terms,
                        "count": len(posts),
                        "size": len(posts),
                        "url": posts[0].url,
                    },
                    **fields,
                )
            )
        return out

    def check_config(self, cfg):
        name = self.options.lexicon
        if name and not _lexicon_path(cfg, name).is_file():
            return [
                (
                    "options.lexicon",
                    f"lexicon file not found: {name}",
                    "path is relative to the config directory",
                )
            ]
        return []
