"""Posts that passed a rule's per-post test (a sensitive term, a risk flag), found incrementally.

A rule like ``keyword`` has to look at every post's text: over a 24 h window that is a day of
posts at every check. Instead each check tests only the posts written since the rule's last
scan (``Store.iter_posts(since=…)``, by ``updated_at``, with a margin for crawls still writing
while the check ran) and keeps the matches in a small SQLite file beside the outbox
(``var/rule-matches.db``), keyed by post, so a post is never counted twice. A rule whose test
changed (another lexicon: a different fingerprint), or that has not run within its window,
scans its window once. Matches older than the window are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.models import Post, post_time
from yuqing.storage.sqlite_file import open_cache

#: posts written up to this long before a check may still be missing from it (a crawl
#: stores a post a moment after stamping it); the next check looks back this far
MARGIN = timedelta(minutes=15)

SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    rule TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, scanned_ts REAL NOT NULL);
CREATE TABLE IF NOT EXISTS matches (
    rule TEXT NOT NULL, post_id TEXT NOT NULL, post_ts REAL NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (rule, post_id));
CREATE INDEX IF NOT EXISTS matches_time ON matches(rule, post_ts);
"""

Test = Callable[[Post], dict[str, Any] | None]


class PostMatches:
    """``path`` None keeps nothing between checks (every check scans its window)."""

    def __init__(self, path: str | Path | None = None):
        self.path = path
        self.db = open_cache(path, "alert rule matches", SCHEMA)

    def close(self) -> None:
        self.db.close()

    def find(
        self,
        store,
        rule: str,
        fingerprint: str,
        test: Test,
        start: datetime,
        end: datetime,
    ) -> list[tuple[str, dict[str, Any]]]:
        """(post id, what the test found) for the posts in ``(start, end]`` (post time) that
        pass ``test``, oldest first."""
        row = self.db.execute(
            "SELECT fingerprint, scanned_ts FROM scans WHERE rule=?", (rule,)
        ).fetchone()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if (
                row is None
                or row[0] != fingerprint
                or not start.timestamp() <= row[1] <= end.timestamp()
            ):  # new or changed test, not run within the window, or a check back in time
                self.db.execute("DELETE FROM matches WHERE rule=?", (rule,))
                posts = store.find_posts(start, end)  # the whole window, once
            else:
                since = datetime.fromtimestamp(row[1], tz=end.tzinfo) - MARGIN
                posts = store.iter_posts(since=since)
            for post in posts:
                found = test(post)
                if found is not None:
                    self.db.execute(
                        "INSERT OR REPLACE INTO matches VALUES (?,?,?,?)",
                        (rule, post.id, post_time(post).timestamp(), json.dumps(found)),
                    )
                else:  # a changed post may no longer match
                    self.db.execute(
                        "DELETE FROM matches WHERE rule=? AND post_id=?", (rule, post.id)
                    )
            self.db.execute(
                "INSERT OR REPLACE INTO scans VALUES (?,?,?)",
                (rule, fingerprint, end.timestamp()),
            )
            self.db.execute(
                "DELETE FROM matches WHERE rule=? AND post_ts <= ?", (rule, start.timestamp())
            )
            rows = self.db.execute(
                "SELECT post_id, data FROM matches WHERE rule=? AND post_ts > ? AND post_ts <= ? "
                "ORDER BY post_ts, post_id",
                (rule, start.timestamp(), end.timestamp()),
            ).fetchall()
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return [(pid, json.loads(data)) for pid, data in rows]
