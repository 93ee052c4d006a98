"""Posts that passed a rule's per-post test (a sensitive term, a risk flag), found incrementally.

A rule like ``keyword`` has to look at every post's text: over a 24 h window that is a day of
posts at every check. Instead each check tests only the posts written since the rule's last
scan (by ``updated_at``, with a margin for crawls still writing while the check ran) and keeps
the matches in a small SQLite file beside the outbox (``var/rule-matches.db``), keyed by post,
so a post is never counted twice. Within the margin a post is read and tested again only when
it changed: the file also keeps the ``updated_at`` of each post tested there (``tested``), and
the store lists what is within the margin without reading the posts
(``Store.post_stamps``). A rule whose test changed (another lexicon: a different
fingerprint), or that has not run within its window, scans its window once. Matches older
than the window are dropped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from yuqing.models import Post, post_time, stored_stamp
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
CREATE TABLE IF NOT EXISTS tested (
    rule TEXT NOT NULL, post_id TEXT NOT NULL, updated_ts REAL NOT NULL,
    PRIMARY KEY (rule, post_id));
"""

Test = Callable[[Post], dict[str, Any] | None]


class PostMatches:
    """``path`` None keeps nothing between checks (every check scans its window)."""

    def __init__(self, path: str | Path | None = None):
        self.path = path
        self.db = open_cache(path, "alert rule matches", SCHEMA)
        #: the posts read for the latest incremental scans, by (id, updated_at): the rules of
        #: one check test the same new posts, which are then read once
        self._read: dict[tuple[str, float], Post] = {}

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
                self.db.execute("DELETE FROM tested WHERE rule=?", (rule,))
                posts = store.find_posts(start, end)  # the whole window, once
            else:
                since = datetime.fromtimestamp(row[1], tz=end.tzinfo) - MARGIN
                posts = self._posts(store, self._untested(store, rule, since))
            keep = end.timestamp() - MARGIN.total_seconds()  # the next check's margin
            tested, matched, unmatched = [], [], []
            for post in posts:
                stamp = stored_stamp(post)
                if stamp >= keep:
                    tested.append((rule, post.id, stamp))
                found = test(post)
                if found is not None:
                    matched.append((rule, post.id, post_time(post).timestamp(), json.dumps(found)))
                else:  # a changed post may no longer match
                    unmatched.append((rule, post.id))
            self.db.executemany("INSERT OR REPLACE INTO tested VALUES (?,?,?)", tested)
            self.db.executemany("INSERT OR REPLACE INTO matches VALUES (?,?,?,?)", matched)
            self.db.executemany("DELETE FROM matches WHERE rule=? AND post_id=?", unmatched)
            self.db.execute(
                "INSERT OR REPLACE INTO scans VALUES (?,?,?)",
                (rule, fingerprint, end.timestamp()),
            )
            self.db.execute(
                "DELETE FROM matches WHERE rule=? AND post_ts <= ?", (rule, start.timestamp())
            )
            self.db.execute("DELETE FROM tested WHERE rule=? AND updated_ts < ?", (rule, keep))
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

    def mark(self, name: str) -> str | None:
        """The value last saved under ``name`` (:meth:`set_mark`), or None."""
        row = self.db.execute(
            "SELECT fingerprint FROM scans WHERE rule=?", (f"mark:{name}",)
        ).fetchone()
        return row[0] if row else None

    def set_mark(self, name: str, value: str, at: datetime) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO scans VALUES (?,?,?)", (f"mark:{name}", value, at.timestamp())
        )

    def _untested(self, store, rule: str, since: datetime) -> list[tuple[str, float]]:
        """(id, updated_at) of the posts stored or changed since ``since`` that this rule has
        not tested as they are now (a post re-stored with the same ``updated_at`` is the same
        post)."""
        tested = dict(
            self.db.execute("SELECT post_id, updated_ts FROM tested WHERE rule=?", (rule,))
        )
        return [(pid, ts) for pid, ts in store.post_stamps(since) if tested.get(pid) != ts]

    def _posts(self, store, stamps: list[tuple[str, float]]) -> list[Post]:
        """The posts of ``stamps``, read from the store unless read as they are for another
        rule's scan; what is kept is only what this scan read."""
        missing = [pid for pid, ts in stamps if (pid, ts) not in self._read]
        for post in store.get_posts(missing):
            self._read[(post.id, stored_stamp(post))] = post
        posts = [self._read[key] for key in stamps if key in self._read]
        self._read = {(p.id, stored_stamp(p)): p for p in posts}
        return posts
