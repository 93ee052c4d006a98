"""Chinese display names shared by every user-facing text (e-mails, digests, the console),
and the one definition of a "negative" message. Channel names are the source channels'
(``yuqing.models.CHANNELS``)."""

from __future__ import annotations

import re

from yuqing.models import CHANNELS as CHANNEL_NAMES

STATUS_NAMES = {"open": "待签收", "acked": "已签收", "resolved": "已办结", "escalated": "已督办"}
#: a post whose sentiment (−1 … 1) is below this counts as negative in digests and alerts
NEGATIVE_BELOW = -0.3

#: The crawl's failure reasons (docs/crawling.md#failure-reasons; ``http_<status>`` apart) in
#: Chinese, for the people who read a source's last error: the console, digests, alerts.
FAILURE_NAMES = {
    "timeout": "请求超时",
    "connection_refused": "连接被拒绝",
    "connection": "连接失败",
    "dns": "域名解析失败",
    "truncated": "响应不完整",
    "too_large": "页面过大",
    "too_many_redirects": "重定向次数过多",
    "redirect_loop": "重定向循环",
    "offsite_redirect": "重定向至站外",
    "offsite": "链接指向站外",
    "robots": "robots.txt 禁止采集",
    "robots_unavailable": "robots.txt 无法获取",
    "empty_body": "页面为空",
    "no_content": "页面无标题和正文",
    "no_links": "列表页无文章链接",
    "no_link": "条目无链接",
    "bad_feed": "订阅源格式错误",
    "bad_json": "接口数据格式错误",
    "bad_item": "条目无法解析",
    "bad_field": "字段格式错误",
    "extract_timeout": "页面过于复杂，未能提取",
    "crawl_timeout": "采集超时",
    "parse_error": "解析出错",
    "nlp_error": "文本分析出错",
    "store_error": "存储出错",
    "item_error": "处理出错",
}
NO_RESPONSE = "no usable response"  # a failing crawl that recorded no reason


def failure_text(error: str | None) -> str:
    """A source's last error as the crawl records it (``"<reason> <url>"``) in Chinese, the
    reason kept for the operator: ``bad_feed http://x`` → ``订阅源格式错误（bad_feed）http://x``.
    Text that does not start with a known reason is returned as it is."""
    if not error:
        return "未知错误"
    if error == NO_RESPONSE:
        return "无可用响应"
    reason, _, rest = error.partition(" ")
    status = re.fullmatch(r"http_(\d{3})", reason)
    name = f"HTTP {status.group(1)} 错误" if status else FAILURE_NAMES.get(reason)
    if name is None:
        return error
    return f"{name}（{reason}）{rest}"


__all__ = ["CHANNEL_NAMES", "FAILURE_NAMES", "NEGATIVE_BELOW", "STATUS_NAMES", "failure_text"]
