"""robots.txt is obeyed also when it cannot be had: a robots.txt that answers 5xx or times out
does not open the host to the crawler (Scrapy alone then allows every URL for the rest of the
process; a cluster worker whose first request timed out under load stored a disallowed page).
Its pages are counted ``robots_unavailable`` and crawled once robots.txt answers."""

from __future__ import annotations

import json
import threading
import time

from tests.conftest import make_config, run_cli
from tests.faults.loopback import LoopbackServer

ROBOTS = b"User-agent: *\nDisallow: /private/\n"
PAGES = [f"/a/{n}.html" for n in range(1, 6)]
PRIVATE = "/private/secret.html"


class RobotsSite(LoopbackServer):
    """A list page linking five articles and one page robots.txt disallows; ``robots`` is
    how robots.txt answers: "ok", "503" or "slow" (longer than the crawl's timeout)."""

    def __init__(self):
        super().__init__()
        self.robots = "ok"
        self.lock = threading.Lock()
        self.requests: list[str] = []

    def handle(self, path: str):
        with self.lock:
            self.requests.append(path)
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            if self.robots == "503":
                return 503, {"Content-Type": "text/plain"}, b"busy"
            if self.robots == "slow":
                time.sleep(3)
            if self.robots == "slow-ish":
                time.sleep(0.3)
            return 200, {"Content-Type": "text/plain"}, ROBOTS
        if path.startswith("/private/list"):
            return 200, html, b"<html><body><ul class='list'></ul></body></html>"
        if path == "/list.html":
            links = "".join(f'<li><a href="{p}">第{p}号通知</a></li>' for p in [*PAGES, PRIVATE])
            return 200, html, f"<html><body><ul class='list'>{links}</ul></body></html>".encode()
        if path in PAGES or path == PRIVATE:
            body = f"关于{path}的通知：本周末道路维修，请市民绕行，注意安全。" * 3
            page = (
                f"<html><body><h1>通知{path}</h1><span class='time'>2026-11-20 10:00</span>"
                f"<div class='content'>{body}</div></body></html>"
            )
            return 200, html, page.encode()
        return 404, html, b"not found"


def config(tmp_path, url: str):
    cfg = make_config(tmp_path, url, timeout=1)
    (cfg / "sources.yaml").write_text(
        f"""sources:
  - id: notices
    kind: html
    channel: portal
    urls: ["{url}/list.html"]
    interval: 1m
    selectors:
      list: "ul.list a"
      title: "h1"
      body: "div.content"
      date: "span.time"
""",
        encoding="utf-8",
    )
    return cfg


def crawl(cfg) -> dict:
    proc = run_cli("--config", str(cfg), "crawl", "--source", "notices", "--json-summary", "-")
    assert proc.stdout.strip(), proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])["sources"]["notices"]


def stored(cfg) -> set[str]:
    proc = run_cli("--config", str(cfg), "export", "posts", check=True)
    return {json.loads(line)["url"] for line in proc.stdout.splitlines() if line.strip()}


def test_a_robots_txt_that_fails_or_times_out_opens_nothing(tmp_path):
    with RobotsSite() as site:
        cfg = config(tmp_path, site.url)
        for how in ("503", "slow"):
            site.robots = how
            summary = crawl(cfg)
            assert summary["failed"].get("robots_unavailable", 0) >= 1, (how, summary)
            assert summary["new"] == 0, (how, summary)
            assert PRIVATE not in site.requests and not stored(cfg), how
        site.robots = "ok"
        summary = crawl(cfg)
        assert summary["failed"] == {"robots": 1}, summary
        assert stored(cfg) == {site.url + p for p in PAGES}
        assert PRIVATE not in site.requests


def test_requests_waiting_together_for_robots_txt_are_all_checked(tmp_path):
    """Start requests wait for robots.txt together; Scrapy handed the parser to the first
    only and let the others through unchecked (a fresh cluster worker's full queue)."""
    with RobotsSite() as site:
        cfg = config(tmp_path, site.url)
        private_lists = [f"{site.url}/private/list{n}.html" for n in range(1, 6)]
        sources = (cfg / "sources.yaml").read_text(encoding="utf-8")
        sources = sources.replace(
            f'urls: ["{site.url}/list.html"]',
            "urls: " + json.dumps([*private_lists, f"{site.url}/list.html"]),
        )
        (cfg / "sources.yaml").write_text(sources, encoding="utf-8")
        site.robots = "slow-ish"  # robots.txt in flight while every start request waits
        summary = crawl(cfg)
        fetched = [p for p in site.requests if p.startswith("/private/")]
        assert not fetched, f"disallowed pages fetched: {fetched}"
        assert summary["failed"] == {"robots": 6}, summary
        assert stored(cfg) == {site.url + p for p in PAGES}


def test_a_site_that_is_down_is_one_warning_not_a_traceback(tmp_path):
    """A source site down (robots.txt refused or timing out) is an everyday fault: one WARNING
    naming the host and the cause; Scrapy's ERROR with its traceback only at -v."""
    with RobotsSite() as site:
        cfg = config(tmp_path, site.url)
        site.robots = "slow"
        args = ("--config", str(cfg), "crawl", "--source", "notices")
        quiet, verbose = run_cli(*args), run_cli("-v", *args)
    host = site.url.removeprefix("http://")
    assert f"robots.txt of {host} unavailable" in quiet.stderr, quiet.stderr[-2000:]
    assert "Traceback" not in quiet.stderr and " ERROR " not in quiet.stderr, quiet.stderr[-3000:]
    assert "Traceback" in verbose.stderr and f"robots.txt of {host}" in verbose.stderr
