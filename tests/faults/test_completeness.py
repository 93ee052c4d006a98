"""Nothing lost: an interrupted or too-deep list walk is backfilled by later crawls until the
store equals the server, item by item (crawlers/backlog.py)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

from tests.conftest import ROOT, crawl, run_cli
from tests.faults.boards import Board, BoardServer
from tests.faults.conftest import board_config
from yuqing.storage.sqlite import SQLiteStore

BOARDS = ("b-api", "b-html")


def stored(tmp_path, source: str) -> dict[str, tuple[str, str]]:
    with SQLiteStore(tmp_path / "store.db") as store:
        return {p.url: (p.title, p.text) for p in store.iter_posts(source_id=source)}


def served(srv: BoardServer, board: str) -> dict[str, tuple[str, str]]:
    return {url: (m["title"], m["content"]) for url, m in srv.items(board).items()}


def backfill(cfg, tmp_path, srv, rounds: int, new_on_top: int = 0) -> int:
    """Crawl until both boards are stored whole (new messages arriving before each crawl);
    the number of crawls it took. Every crawl stays within max_pages list pages."""
    for n in range(1, rounds + 1):
        for b in BOARDS:
            srv.add(b, new_on_top)
        srv.requests.clear()
        crawl(cfg, *BOARDS)
        for b in BOARDS:
            assert len(srv.list_pages(b)) <= 8, srv.list_pages(b)
        if all(stored(tmp_path, b) == served(srv, b) for b in BOARDS):
            return n
    for b in BOARDS:
        missing = set(served(srv, b)) - set(stored(tmp_path, b))
        assert not missing, f"{b}: {len(missing)} of {len(served(srv, b))} never stored"
    return rounds


def test_a_crawl_cut_by_http_500_is_resumed_until_nothing_is_missing(tmp_path):
    with BoardServer(**{b: Board(30) for b in BOARDS}) as srv:
        cfg = board_config(tmp_path, srv.url, max_pages=8)
        crawl(cfg, *BOARDS)
        assert all(stored(tmp_path, b) == served(srv, b) for b in BOARDS)
        for b in BOARDS:  # 10 new pages; page 5 fails (after the retry too)
            srv.add(b, 100)
            srv.fail_page(b, 5)
        cut = crawl(cfg, *BOARDS)
        for b in BOARDS:
            s = cut["sources"][b]
            assert s["failed"] == {"http_500": 1} and s["new"] == 40
            assert s["gaps"] == 1 and "resume at page 5" in s["backlog"]
        srv.heal()
        took = backfill(cfg, tmp_path, srv, rounds=3, new_on_top=5)
        assert took <= 3
        # closed: the source is complete again and the next crawl reads one page
        state = source_state(tmp_path, "b-api")
        assert state["backlog"][f"{srv.url}/b-api/api"]["gaps"] == []
        assert state["last_summary"]["complete"] is True


def test_a_board_deeper_than_max_pages_is_backfilled(tmp_path):
    with BoardServer(**{b: Board(200) for b in BOARDS}) as srv:  # 20 pages
        cfg = board_config(tmp_path, srv.url, max_pages=8)
        first = crawl(cfg, *BOARDS)
        for b in BOARDS:
            assert first["sources"][b]["new"] == 80 and first["sources"][b]["gaps"] == 1
        assert (
            "backlog b-api: pending: 1 gap, resume at page 9"
            in run_cli("--config", str(cfg), "sources", check=True).stdout
        )
        assert backfill(cfg, tmp_path, srv, rounds=4, new_on_top=3) <= 4


def test_a_crawl_killed_mid_walk_loses_nothing(tmp_path):
    with BoardServer(**{b: Board(30) for b in BOARDS}) as srv:
        cfg = board_config(tmp_path, srv.url, max_pages=8)
        crawl(cfg, *BOARDS)
        for b in BOARDS:
            srv.add(b, 150)
        srv.delay = 0.4  # per list page: the kill lands mid-walk
        proc = subprocess.Popen(
            [sys.executable, "-m", "yuqing", "--config", str(cfg), "crawl"]
            + [a for b in BOARDS for a in ("--source", b)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and count_posts(tmp_path) < 90:
                time.sleep(0.1)
            assert proc.poll() is None, "the crawl finished before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait()
        before = count_posts(tmp_path)
        assert 90 <= before < 30 * 2 + 300
        srv.delay = 0
        srv.wait_quiet()  # requests of the killed crawl still being answered
        assert backfill(cfg, tmp_path, srv, rounds=5, new_on_top=2) <= 5


def count_posts(tmp_path) -> int:
    try:
        db = sqlite3.connect(tmp_path / "store.db", timeout=5)
        return db.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def source_state(tmp_path, source_id: str) -> dict:
    db = sqlite3.connect(tmp_path / "store.db")
    row = db.execute("SELECT doc FROM source_state WHERE source_id=?", (source_id,)).fetchone()
    return json.loads(row[0])


def test_a_crawl_stopped_by_ctrl_c_says_so_and_leaves_its_sources_due(tmp_path):
    """Ctrl-C (or SIGTERM) on `yuqing crawl` printed an ordinary summary and exited 0, and the
    stopped sources counted as crawled: the rest of their lists waited a whole interval."""
    with BoardServer(**{b: Board(150) for b in BOARDS}) as srv:
        cfg = board_config(tmp_path, srv.url, max_pages=8)
        sources = cfg / "sources.yaml"
        sources.write_text(
            sources.read_text(encoding="utf-8").replace("interval: 1m", "interval: 1h"),
            encoding="utf-8",
        )
        srv.delay = 0.4  # per list page: the interrupt lands mid-walk
        proc = subprocess.Popen(
            [sys.executable, "-m", "yuqing", "--config", str(cfg), "crawl"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and count_posts(tmp_path) < 30:
                time.sleep(0.1)
            assert proc.poll() is None, "the crawl finished before it could be interrupted"
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=120)
        finally:
            proc.kill()
        assert proc.returncode == 1, (proc.returncode, err[-2000:])
        last = err.strip().splitlines()[-1]
        assert last.startswith("error: crawl: interrupted before the end of 2 source(s): "), last
        assert "interrupted: b-api, b-html" in out, out
        for b in BOARDS:
            assert source_state(tmp_path, b)["last_crawl_at"] is None
        srv.delay = 0
        srv.wait_quiet()
        again = run_cli("--config", str(cfg), "crawl", "--json-summary", "-", check=True)
        summary = json.loads(again.stdout.strip().splitlines()[-1])
        assert set(summary["sources"]) == set(BOARDS), summary  # due at once, not in an hour
        assert summary["interrupted"] == []
        assert backfill(cfg, tmp_path, srv, rounds=5) <= 5
