"""The json spider's field mapping: author and every engagement counter (likes, dislikes —
反对数 on message boards —, comments, reposts) reach the article."""

from types import SimpleNamespace

from yuqing.crawlers.spiders.json_api import JsonSpider


def test_author_likes_and_dislikes_are_mapped():
    spider = JsonSpider.__new__(JsonSpider)  # the mapping only: no crawl, no context
    spider.options = JsonSpider.Options.model_validate(
        {
            "fields": {
                "items": "data",
                "id": "msgId",
                "title": "subject",
                "text": "content",
                "published_at": "createTime",
                "author": "userName",
                "likes": "supportCount",
                "dislikes": "opposeCount",
            }
        }
    )
    spider.source = SimpleNamespace(id="board")
    spider.ctx = SimpleNamespace(tz="Asia/Shanghai")
    item = {
        "msgId": 7,
        "subject": "A市伊景园滨河苑捆绑销售车位",
        "content": "开发商捆绑销售车位",
        "createTime": "2019-08-01 10:00:00",
        "userName": "A00012345",
        "supportCount": "2097",
        "opposeCount": 3,
    }
    a = spider._article(item, "http://127.0.0.1:1/api?page=1")
    assert a.author == "A00012345"
    assert a.engagement == {"likes": 2097, "dislikes": 3}
    assert a.url == "http://127.0.0.1:1/api#id=7"


def test_in_one_process_a_list_request_carries_no_walk_state():
    """Only a cluster's list requests carry the walk (another worker may parse the next
    page); in one process the walk stays in memory and each request names it."""
    from yuqing.crawlers.backlog import ListState, ListWalk

    spider = JsonSpider.__new__(JsonSpider)
    spider.source, spider.router = SimpleNamespace(id="board"), None
    spider.walks = {"http://127.0.0.1:1/api": ListWalk("http://127.0.0.1:1/api", ListState(), 5)}
    walk = spider.walks["http://127.0.0.1:1/api"]
    walk.after_page(1, "http://127.0.0.1:1/api", ["/m/1"], 1, "http://127.0.0.1:1/api?page=2")
    request = spider.list_request(
        "http://127.0.0.1:1/api?page=2", 2, "http://127.0.0.1:1/api", spider.parse_api
    )
    assert "walk_state" not in request.meta
    assert request.meta["walk"] == "http://127.0.0.1:1/api" and request.meta["page"] == 2
    assert spider.walk_of(request.meta) is walk
