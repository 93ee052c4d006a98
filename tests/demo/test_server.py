import json
import urllib.error
import urllib.request

import pytest

from yuqing.demo.server import SITES_ROOT, SiteServer


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, headers=None, follow=True):
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


@pytest.fixture(scope="module")
def srv():
    with SiteServer() as server:
        yield server


def test_static_file_etag_and_conditional_get(srv):
    url = srv.url + "/portal/xwdt/index.html"
    status, headers, body = fetch(url)
    assert status == 200 and body
    assert headers["Content-Type"] == "text/html"  # GBK site: charset only in <meta>
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert fetch(url, {"If-None-Match": etag})[0] == 304
    assert fetch(url, {"If-Modified-Since": modified})[0] == 304
    assert fetch(url, {"If-None-Match": '"stale"'})[0] == 200
    assert ("GET", "/portal/xwdt/index.html", 304) in srv.requests
    assert srv.count("/portal/xwdt/index.html") == 4


def test_content_types_per_site(srv):
    assert fetch(srv.url + "/tw/index.html")[1]["Content-Type"] == "text/html"
    assert fetch(srv.url + "/news/index.html")[1]["Content-Type"] == "text/html; charset=utf-8"
    assert fetch(srv.url + "/media/weibo.xml")[1]["Content-Type"].startswith("application/rss+xml")
    assert fetch(srv.url + "/media/wechat.atom")[1]["Content-Type"].startswith(
        "application/atom+xml"
    )
    assert fetch(srv.url + "/golden.json")[0] == 404  # top-level files are not served


def test_port_placeholder_is_substituted(srv):
    _, _, body = fetch(srv.url + "/media/weibo.xml")
    assert b"{{PORT}}" not in body
    assert f"http://127.0.0.1:{srv.port}/media/weibo.xml".encode() in body


def test_override_changes_content_and_etag(srv):
    path = "/news/index.html"
    _, h1, original = fetch(srv.url + path)
    srv.set_override(path, "<html><body>已更新 {{PORT}}</body></html>".encode())
    try:
        status, h2, body = fetch(srv.url + path, {"If-None-Match": h1["ETag"]})
        assert status == 200 and body.decode() == f"<html><body>已更新 {srv.port}</body></html>"
        assert h2["ETag"] != h1["ETag"]
    finally:
        srv.clear_overrides()
    assert fetch(srv.url + path)[2] == original


def test_fail_next_once(srv):
    srv.fail_next("/tw/index.html", 503)
    assert fetch(srv.url + "/tw/index.html")[0] == 503
    assert fetch(srv.url + "/tw/index.html")[0] == 200


def test_special_routes(srv):
    assert b"Disallow: /portal/private/" in fetch(srv.url + "/robots.txt")[2]
    status, headers, _ = fetch(srv.url + "/redirect/once", follow=False)
    assert status == 301 and headers["Location"].startswith("/portal/xwdt/")
    status, headers, _ = fetch(srv.url + "/redirect/offsite", follow=False)
    assert status == 302 and headers["Location"].startswith(f"http://localhost:{srv.port}/")
    status, headers, _ = fetch(srv.url + "/redirect/loop", follow=False)
    assert status == 302 and "/redirect/loop" in headers["Location"]
    assert fetch(srv.url + "/redirect/loop")[0] in (301, 302)  # urllib gives up on the loop
    assert fetch(srv.url + "/error/404")[0] == 404
    assert fetch(srv.url + "/error/500")[0] == 500
    assert fetch(srv.url + "/empty")[:3:2] == (200, b"")
    assert len(fetch(srv.url + "/huge")[2]) > 3 * 1024 * 1024
    status, headers, body = fetch(srv.url + "/badjson")
    assert headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    status, _, body = fetch(srv.url + "/slow?seconds=0.2")
    assert status == 200 and b"0.2" in body


def test_board_json_api_pages(srv):
    pages, n = [], 1
    while True:
        payload = json.loads(fetch(f"{srv.url}/board/api/messages?page={n}")[2])
        pages.append(payload)
        if not payload["hasMore"]:
            break
        n += 1
    messages = [m for p in pages for m in p["data"]]
    assert len(pages) == 3 and pages[0]["total"] == len(messages) == 25
    assert {"msgId", "subject", "content", "createTime", "reply", "likes", "comments"} <= set(
        messages[0]
    )
    assert len({m["msgId"] for m in messages}) == 25


def test_golden_file_covers_existing_pages():
    golden = json.loads((SITES_ROOT / "golden.json").read_text("utf-8"))
    assert {g["site"] for g in golden} == {"portal", "tw", "board", "news"}
    for g in golden:
        assert (SITES_ROOT / g["path"].lstrip("/")).is_file()
        assert g["published_at"].endswith("+08:00")
    reposts = [g for g in golden if g["repost_of"]]
    assert len(reposts) == 5
    assert all(any(p["path"] == r["repost_of"] for p in golden) for r in reposts)


def test_start_stop_frees_port():
    server = SiteServer().start()
    url = server.url
    assert fetch(url + "/robots.txt")[0] == 200
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url + "/robots.txt", timeout=2)


def test_encodings_of_served_pages(srv):
    _, headers, body = fetch(srv.url + "/tw/b5/art_2201.html")
    assert b"charset" not in body.lower() and "charset" not in headers["Content-Type"]
    body.decode("big5")
    for g in json.loads((SITES_ROOT / "golden.json").read_text("utf-8")):
        if g["site"] == "portal":
            raw = fetch(srv.url + g["path"])[2]
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert g["title"] in raw.decode("gbk")
