"""Body choice on table-layout pages: link lists nested as tables in the article's cell do not
count against it (a legal notice elsewhere must not win), and a data table the text announces
("附：…", "如下表：") is kept with the text."""

from __future__ import annotations

import pytest

from yuqing.crawlers.extraction import extract_article

PARAS = (
    "记者从市交通运输局获悉，今年以来全市新开通公交线路十二条，覆盖沿线三十多个村庄。",
    "为方便群众出行，各线路首末班时间均已延长，早高峰时段发车间隔缩短至八分钟。",
    "市交通运输局表示，下一步将继续优化线网布局，推动城乡公交一体化发展。",
)
LINKS = "".join(
    f"<tr><td><a href='/n/{i}.html'>{name}</a></td><td><a href='/m/{i}.html'>{more}</a></td></tr>"
    for i, (name, more) in enumerate(
        [
            ("全市春季植树活动启动仪式举行", "市领导调研农业产业园建设情况"),
            ("我市召开安全生产工作推进会议", "全市文明城市创建工作动员大会"),
            ("城区老旧小区改造项目全面开工", "市人大常委会召开第十五次会议"),
            ("第三届乡村文化旅游节即将开幕", "全市义务教育招生工作方案发布"),
            ("市政府常务会议研究部署重点工作", "我市新增三家国家级高新技术企业"),
            ("全市防汛抗旱工作会议召开部署", "市中心医院新院区正式投入使用"),
        ]
        * 3
    )
)
NOTICE = (
    "本网站所有内容均由合作方根据协议提供。根据有关法律法规的规定，除著作权人声明不得转载、"
    "摘编的以外，本网有权转载或摘编已在报刊上刊登或网络上传播的作品，并按有关规定向著作权人"
    "支付稿酬、注明出处。如您发现本网转载或摘编了您拥有著作权的作品并对稿酬有疑议，"
    "请与本网联系，本网将依法处理。转载本网内容须经书面授权，否则将追究其法律责任。"
)


def table_layout_page(nested: str) -> str:
    paras = "".join(f"<p>{p}" for p in PARAS)  # unclosed <p>, as 2000s portals wrote them
    return (
        "<html><head><meta charset='utf-8'><title>全市新开通公交线路十二条</title></head><body>"
        "<table width='750'><tr><td width='580'>"
        "<b>全市新开通公交线路十二条</b>"
        f"{paras}<table><tr><td>相关新闻</td></tr>{nested}</table></td>"
        "<td width='170'>&nbsp;</td></tr></table>"
        f"<table width='750'><tr><td class='sbody'><b>著作权声明</b></td></tr>"
        f"<tr><td class='sbody'>{NOTICE}</td></tr></table></body></html>"
    )


LONGER = (
    "<p>据介绍，新开通的线路重点解决了城郊接合部和偏远村庄群众出行难的问题，其中五条线路为城乡"
    "公交，七条线路为城区微循环公交，日均客运量已超过两万人次，群众反映良好。</p>"
    "<p>今后，市交通运输局还将根据客流变化情况，适时调整线路走向和站点设置，让群众出行更加便捷。</p>"
)


def test_link_tables_inside_the_articles_cell_do_not_count_against_its_text():
    # a table-layout page: the article's cell also holds the site's link lists as tables
    markup = table_layout_page(LINKS).replace(
        "<table><tr><td>相关新闻", LONGER + "<table><tr><td>相关新闻"
    )
    markup = markup.replace(
        "著作权声明</b></td></tr><tr><td class='sbody'>",
        "联系我们</b></td></tr><tr><td class='sbody'>",
    )
    markup = markup.replace(
        NOTICE,
        "本站地址：云溪市人民路一号，邮政编码：100000，联系电话：010-12345678，工作时间：周一至周五。"
        * 4,
    )
    got = extract_article(markup, "http://127.0.0.1/a.html")
    for para in PARAS:
        assert para in got.body
    assert "本站地址" not in got.body
    assert "全市春季植树活动" not in got.body  # the link list is not the text either


def test_a_legal_notice_longer_than_a_short_article_is_not_its_text():
    got = extract_article(table_layout_page(""), "http://127.0.0.1/a.html")
    for para in PARAS:
        assert para in got.body
    assert "著作权" not in got.body


def test_a_report_on_a_copyright_case_is_text():
    case = (
        "<html><head><meta charset='utf-8'><title>一起著作权纠纷案宣判</title></head><body>"
        "<h1>一起著作权纠纷案宣判</h1><div class='art'>"
        "<p>近日，市中级人民法院公开宣判一起著作权侵权纠纷案件，被告未经许可在其网站使用原告拍摄的照片。</p>"
        "<p>法院审理认为，被告的行为构成侵权，判决其停止使用、赔礼道歉并赔偿经济损失两万元。</p>"
        "<p>法官提醒，网络平台使用他人作品应当事先取得许可，并依法支付报酬。</p></div></body></html>"
    )
    got = extract_article(case, "http://127.0.0.1/a.html")
    assert got.body.startswith("近日，市中级人民法院公开宣判") and "依法支付报酬" in got.body


ENROL = (
    "<html><head><meta charset='utf-8'><title>2026年博士研究生招生简章</title></head><body>"
    "<h1>2026年博士研究生招生简章</h1><table><tr><td>"
    "一、培养目标：培养德智体美劳全面发展，掌握坚实宽广的基础理论和系统深入的专业知识的人才。<br>"
    "二、报考条件：已获硕士学位的在职人员，应届毕业硕士生，身体健康，年龄不超过四十五岁。<br>"
    "三、报名时间和地点：报名时间为每年十一月，地点为研究生部招生办公室，外地考生可以函报。<br>"
    "{last}<p></p></td></tr></table>　"
    "<table border='1'><tr><td>专业名称（代码）</td><td>导师</td><td>人数</td><td>考试科目</td></tr>"
    "<tr><td>050401 艺术学</td><td>张明远</td><td>7</td><td>1、英语<br>2、艺术概论</td></tr>"
    "<tr><td>050402 音乐学</td><td>李清和</td><td>9</td><td>1、英语<br>2、中国音乐史</td></tr>"
    "</table>"
    "<table><tr><td><a href='/'>网站首页</a> | <a href='/c'>联系我们</a></td></tr></table>"
    "</body></html>"
)


def test_a_table_the_text_announces_is_kept_with_it():
    got = extract_article(ENROL.format(last="附：招生专业及考试科目"), "http://127.0.0.1/a.html")
    lines = got.body.splitlines()
    at = lines.index("附：招生专业及考试科目")
    rest = lines[at + 1 :]  # the cells, one a line (cells of two characters or less dropped)
    assert rest[:3] == ["专业名称（代码）", "考试科目", "050401 艺术学"]
    assert "050402 音乐学" in rest and "2、中国音乐史" in rest
    assert "网站首页" not in got.body and "联系我们" not in got.body


def test_a_table_nobody_announces_stays_out():
    got = extract_article(
        ENROL.format(last="四、其它：以教育部规定为准。"), "http://127.0.0.1/a.html"
    )
    assert "培养目标" in got.body
    assert "050401" not in got.body


# A short report beside a live-commentary column whose items are links wrapping blocks of text
# (each <a> holds a name, a time and a paragraph-long comment): the column has more text than
# the report, but text inside a link is not the article's.
LIVE_ITEM = (
    "<li><a href='/live/{i}.html'><div class='tw-text'><span>分析师{i}号 今天 12:0{i}</span>"
    "<div class='content'>今日两市指数低开高走，券商、军工和半导体板块轮番上涨，成交量较上一交易日"
    "明显放大，北向资金全天净流入超过五十亿元，短期市场情绪有所回暖，建议投资者控制仓位、"
    "注意节奏，不宜盲目追高，关注业绩确定性较强的优质个股。</div></div></a></li>"
)
SHORT_REPORT = (
    "<p>本报讯 今天，市铁路部门发布消息称，网传车票系统用户信息泄露一事不实。</p>"
    "<p>铁路部门提醒广大旅客，请通过官方网站和客户端购票，不要轻信来历不明的链接。</p>"
    "<p>目前，相关部门已对散布谣言的账号依法处理。</p>"
)


def test_blocks_inside_links_are_not_the_text():
    markup = (
        "<html><head><meta charset='utf-8'><title>铁路部门辟谣用户信息泄露_新闻</title></head>"
        "<body><h1>铁路部门辟谣用户信息泄露</h1>"
        f"<div class='article'>{SHORT_REPORT}</div>"
        "<div class='tabs-cont'><ul>"
        + "".join(LIVE_ITEM.format(i=i) for i in range(1, 4))
        + "</ul></div></body></html>"
    )
    got = extract_article(markup, "http://127.0.0.1/a.html")
    assert got.body.startswith("本报讯 今天，市铁路部门发布消息称")
    assert got.body.endswith("目前，相关部门已对散布谣言的账号依法处理。")
    assert "两市指数" not in got.body


# A photo gallery: the slides, then a box holding the headline and the first slide's caption
# (class "info-box": "info" names byline boxes elsewhere), then other galleries as links.
GALLERY = (
    "<html><head><meta charset='utf-8'><title>草原深处的小镇_图集</title></head><body>"
    "<div class='gallery'><ul><li><img src='/1.jpg'></li><li><img src='/2.jpg'></li></ul></div>"
    "<div class='bui-right info-box'><h2 class='title'><span>原创</span>草原深处的小镇</h2>"
    "<div class='pgc'><a href='/u/1'>旅行者</a></div>"
    "<div class='abstract'><span>1/10</span> 在草原深处，有一座只有几百户人家的小镇，每到夏天，"
    "牧民们赶着牛羊转场经过这里，镇上的人们便会拿出奶茶和手抓肉招待远方来的客人。</div>"
    "<div class='share'>分享到微博、微信和QQ空间，让更多朋友看到这组照片</div></div>"
    "<div class='relatedimg'><ul>{related}</ul></div>"
    "<div class='about'>图集频道每天为您精选旅行摄影作品，欢迎投稿，与大家分享旅途中的美好瞬间。</div>"
    "</body></html>"
)
RELATED = (
    "<li><a href='/g/{i}'><img src='/r{i}.jpg'><div class='img-title'><p><span>{t}</span>"
    "</p></div></a></li>"
)


def test_the_box_holding_the_headline_is_the_articles_whatever_its_class():
    related = "".join(
        RELATED.format(i=i, t=t)
        for i, t in enumerate(
            ["这里的游客几乎都是本地人带去的小众草原", "全球最大的公园超过一百多个国家陆地面积"]
        )
    )
    got = extract_article(GALLERY.format(related=related), "http://127.0.0.1/a.html")
    assert got.title == "草原深处的小镇"
    assert "原创" not in got.body  # the headline behind its badge is not text either
    assert "在草原深处，有一座只有几百户人家的小镇" in got.body
    assert "手抓肉招待远方来的客人。" in got.body
    assert "本地人带去" not in got.body and "欢迎投稿" not in got.body
    assert "分享到微博" not in got.body  # the box's own boilerplate-named parts still go


# An endless feed: the page's story, then the next story printed whole under its own <h1>.
NEXT_STORY = (
    "<div class='recommend'><h1>老街改造后重新开放 市民游客纷纷前来打卡</h1><div class='text'>"
    + "".join(
        f"<p>{p}</p>"
        for p in (
            "经过一年多的修缮，有着百年历史的老街日前重新对外开放，青石板路、木质门窗得以保留。",
            "改造中，施工方对沿街四十多栋老建筑进行了加固，外立面按照原有风貌修复，内部引入文创、"
            "餐饮等业态，吸引了大批市民和游客前来参观。",
            "街道负责人介绍，下一步将结合传统节日举办民俗活动，让老街既有历史味道，又有烟火气息。",
            "不少老居民表示，老街的变化让人欣喜，希望这里的老手艺、老字号能够一直传承下去。",
        )
    )
    + "</div></div>"
)


def test_a_short_story_does_not_lose_to_the_next_story_of_the_feed():
    markup = (
        "<html><head><meta charset='utf-8'><title>铁路部门辟谣用户信息泄露_快资讯</title></head>"
        "<body><div class='detail'><h1>铁路部门辟谣用户信息泄露</h1>"
        f"<div class='content'>{SHORT_REPORT}</div></div>{NEXT_STORY}</body></html>"
    )
    got = extract_article(markup, "http://127.0.0.1/a.html")
    assert got.body.startswith("本报讯 今天，市铁路部门发布消息称")
    assert "老街" not in got.body
    # a page of one story whose text uses <h1> for its subheadings keeps all of it
    one = markup.replace("</div></div><div class='recommend'>", "").replace(
        "<h1>老街改造", "<h1>另：老街改造"
    )
    assert "老街" in extract_article(one, "http://127.0.0.1/a.html").body
    # a WeChat article whose text opens with a styled <h1>, after the account's blurb
    wechat = (
        "<html><head><meta charset='utf-8'><title></title></head><body>"
        "<h1 class='rich_media_title'>铁路部门辟谣用户信息泄露</h1>"
        "<div class='profile'><p>与您一起关注本地，分享社会新闻、经济民生、美食特产和传统文化。</p></div>"
        "<div class='rich_media_content'><h1>铁路部门发布</h1>"
        f"{SHORT_REPORT}</div></body></html>"
    )
    body = extract_article(wechat, "http://127.0.0.1/a.html").body
    assert "本报讯 今天" in body and "关注本地" not in body


# A self-media platform's notice under a three-line post: in the article's own block, beside it
@pytest.mark.parametrize(
    "notice",
    [
        "平台声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。",
        "以上内容（包括图片及视频）为创作者平台“快传号”用户上传并发布，本平台仅提供信息存储服务",
    ],
)
def test_a_platforms_storage_notice_is_not_text(notice):
    markup = (
        "<html><head><meta charset='utf-8'><title>铁路部门辟谣用户信息泄露</title></head><body>"
        "<div class='text'><h1>铁路部门辟谣用户信息泄露</h1>"
        f"<article>{SHORT_REPORT}</article><div class='statement'>{notice}</div></div>"
        "</body></html>"
    )
    got = extract_article(markup, "http://127.0.0.1/a.html")
    assert got.body.startswith("本报讯 今天，市铁路部门发布消息称")
    assert got.body.endswith("目前，相关部门已对散布谣言的账号依法处理。")


def test_a_lone_photo_credit_and_a_pager_are_not_text():
    caption = "5月13日，在一家庭农场，无人驾驶农机在播种玉米。 新华社记者 张明 摄"
    markup = (
        "<html><head><meta charset='utf-8'><title>数字农机服务助力农业生产</title></head><body>"
        "<h1>数字农机服务助力农业生产</h1><div class='content'>"
        f"<p><img src='/1.jpg'></p><p>{caption}</p>{SHORT_REPORT}"
        "<p>新华社发（刘满仓摄）</p><p>（本报记者 王五 摄）</p>"
        "<p>市民在拍摄</p><p>|&lt;&lt;1234下一页&gt;&gt;|</p><p>首页 | 上一页 1 下一页 | 尾页</p>"
        "</div></body></html>"
    )
    lines = extract_article(markup, "http://127.0.0.1/a.html").body.splitlines()
    assert lines[0] == caption  # a caption ending in its credit is the picture's text
    assert lines[1].startswith("本报讯 今天，市铁路部门发布消息称")
    assert lines[-1] == "市民在拍摄"  # a sentence ending in 拍摄 is no credit
    assert not any("刘满仓" in ln or "王五" in ln or "下一页" in ln for ln in lines)


@pytest.mark.parametrize(
    "notice",
    [
        "本作品采用《CC 协议》，转载必须注明作者和本文链接",
        "转载请注明出处。",
        "（未经授权禁止转载）",
        "本文为原创，转载请联系作者。",
    ],
)
def test_a_reprint_notice_closing_a_post_is_not_text(notice):
    markup = (
        "<html><head><meta charset='utf-8'><title>铁路部门辟谣用户信息泄露</title></head><body>"
        f"<h1>铁路部门辟谣用户信息泄露</h1><div class='content'>{SHORT_REPORT}"
        "<p>记者了解到，转载该谣言的账号已被平台处理。</p>"
        f"<p>{notice}</p></div></body></html>"
    )
    lines = extract_article(markup, "http://127.0.0.1/a.html").body.splitlines()
    assert (
        lines[-1] == "记者了解到，转载该谣言的账号已被平台处理。"
    )  # a sentence about reposts stays
    assert notice not in lines


ANSWER = (
    "<p>这次地震震级不大，成都和周边地区有震感，但不会造成基础设施的损坏。</p>"
    "<p>晚上大家还没有入睡，对生产和生活的影响也很小，平时注意官方发布的信息即可。</p>"
)
OTHER_ANSWER = "".join(
    f"<p>第{i}点，本次地震发生在主震附近，去年的地震对其有明显的触发作用，"
    "震中附近烈度在六度左右，窗户作响，杯子中的水溅出。</p>"
    for i in range(1, 7)
)


@pytest.mark.parametrize("heading", ["更多回答", "全部回复（6）", "网友回复："])
def test_the_other_answers_under_the_post_are_not_its_text(heading):
    # a Q&A or thread page is about one post; the longer answers or replies listed under
    # their own heading below it are other posts
    markup = (
        "<html><head><meta charset='utf-8'><title>泸定地震当地情况如何？</title></head><body>"
        "<h1>泸定地震当地情况如何？</h1>"
        f"<div class='Card AnswerCard'><div class='RichContent'>{ANSWER}</div></div>"
        f"<div class='Card MoreAnswers'><div class='List-header'><h4>{heading}</h4></div>"
        f"<div class='List-item'><div class='RichContent'>{OTHER_ANSWER}</div></div></div>"
        "</body></html>"
    )
    body = extract_article(markup, "http://127.0.0.1/q.html").body
    assert body.startswith("这次地震震级不大") and "第1点" not in body


def test_a_sentence_opening_with_reply_words_is_text():
    markup = (
        "<html><head><meta charset='utf-8'><title>泸定地震当地情况如何？</title></head><body>"
        f"<h1>泸定地震当地情况如何？</h1><div class='content'>{ANSWER}"
        "<p>网友回复称，当晚震感明显。</p></div></body></html>"
    )
    body = extract_article(markup, "http://127.0.0.1/q.html").body
    assert body.endswith("网友回复称，当晚震感明显。")
