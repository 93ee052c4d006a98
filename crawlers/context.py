"""What a spider needs from the application, handed to it by the runner (no globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from yuqing.crawlers.summary import CrawlSummary
from yuqing.storage import Store


@dataclass
class CrawlContext:
    cfg: Any  # yuqing.config.Config
    store: Store
    summary: CrawlSummary = field(default_factory=CrawlSummary)
    nlp: Any = None  # nlp.pipeline.NLPStage, or None when NLP is unavailable
    nlp_pool: Any = None  # worker processes for text analysis (crawlers/nlp_pool.py)
    nlp_batcher: Any = None  # the sources' posts waiting for the stage (pipelines/nlp.py)

    @property
    def tz(self) -> str:
        return self.cfg.settings.timezone
