from yuqing.crawlers.extraction import find_article_links, find_next_page

LIST = """<html><body>
<div class="nav"><a href="/">首页</a><a href="/xwdt/">新闻动态新闻动态新闻动态</a></div>
<div class="main">
 <div class="left-nav"><a href="/a">部门动态部门动态部门动态</a></div>
 <ul class="list">
  <li><a href="2020/t1.html">关于进一步做好城乡居民医疗保险参保工作的通知</a><span>2020-07-10</span></li>
  <li><a href="2020/t2.html#top">县政府常务会议研究部署近期重点工作</a><span>2020-07-09</span></li>
  <li><a href="2020/t1.html">关于进一步做好城乡居民医疗保险参保工作的通知</a></li>
  <li><a href="javascript:void(0)">全县营商环境优化提升大会召开情况通报</a></li>
  <li><a href="/other/t3.html">全县营商环境优化提升大会召开</a></li>
 </ul>
 <div class="page"><a href="index.html">首页</a><a href="index_1.html">下一页</a></div>
</div>
<div class="footer"><a href="/about.html">关于我们关于我们网站地图联系我们</a></div>
</body></html>"""
BASE = "http://127.0.0.1:8000/portal/xwdt/index.html"


def test_article_links_in_order_deduped_without_chrome():
    assert find_article_links(LIST, BASE) == [
        "http://127.0.0.1:8000/portal/xwdt/2020/t1.html",
        "http://127.0.0.1:8000/portal/xwdt/2020/t2.html",
        "http://127.0.0.1:8000/other/t3.html",
    ]


def test_next_page_by_text_and_rel():
    assert find_next_page(LIST, BASE) == "http://127.0.0.1:8000/portal/xwdt/index_1.html"
    rel = '<html><head><link rel="next" href="?page=3"></head><body></body></html>'
    assert find_next_page(rel, "http://h/list?page=2") == "http://h/list?page=3"
    assert find_next_page('<a href="p2.html">下一頁</a>', "http://h/p1.html") == "http://h/p2.html"
    assert find_next_page('<a href="x">Next</a>', "http://h/") == "http://h/x"


def test_last_page_and_garbage():
    assert find_next_page('<a href="index_1.html">上一页</a>', BASE) is None
    assert find_next_page('<a href="javascript:go(3)">下一页</a>', BASE) is None
    assert find_article_links("", BASE) == []
    assert find_next_page("<<<", BASE) is None


def test_demo_portal_list_pages(site_server):
    import urllib.request

    from yuqing.crawlers.extraction import decode_html

    url = site_server.url + "/portal/xwdt/index.html"
    seen = []
    while url:
        with urllib.request.urlopen(url) as resp:
            text, enc = decode_html(resp.read(), None)
        assert enc == "gb18030"
        seen += find_article_links(text, url)
        url = find_next_page(text, url)
    assert len(seen) == 26  # 25 articles + the robots-disallowed private one
    assert sum("/portal/private/" in u for u in seen) == 1
