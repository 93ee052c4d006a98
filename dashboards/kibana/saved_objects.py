"""Kibana 8.x saved objects for analysts: three data views, Lens visualizations and two
dashboards (舆情总览, 预警处置). ``build()`` returns them as dicts; ``to_ndjson`` is the
export/import file format (one object per line). The shipped ``yuqing.ndjson`` is generated
from here (``yuqing kibana export``); a test keeps the two identical.
"""

from __future__ import annotations

import json
from typing import Any

CORE_VERSION = "8.8.0"
LENS_VERSION = "8.9.0"  # Lens state with the "formBased" datasource
DASHBOARD_VERSION = "8.7.0"
PANEL_VERSION = "8.8.0"
NEGATIVE_KQL = "sentiment < -0.3"

#: data view id -> (index pattern, time field, display name)
DATA_VIEWS = {
    "yuqing-posts": ("yuqing-posts*", "crawled_at", "舆情信息 posts"),
    "yuqing-events": ("yuqing-events*", "last_seen", "舆情事件 events"),
    "yuqing-alerts": ("yuqing-alerts*", "created_at", "预警 alerts"),
}

#: Runtime fields defined on a data view (Painless; evaluated by the cluster at query time).
RUNTIME_FIELDS = {
    "yuqing-alerts": {
        "ack_minutes": {
            "type": "double",
            "uses": ["acked_at", "delivered_at", "created_at"],
            "script": {
                "source": (
                    "if (doc['acked_at'].size() > 0) { "
                    "def start = doc['delivered_at'].size() > 0 ? doc['delivered_at'].value "
                    ": doc['created_at'].value; "
                    "emit((doc['acked_at'].value.toInstant().toEpochMilli() "
                    "- start.toInstant().toEpochMilli()) / 60000.0); }"
                )
            },
        },
    },
}


# -- columns ------------------------------------------------------------------------------
def date_histogram(field: str, label: str = "时间") -> dict:
    return {
        "label": label,
        "dataType": "date",
        "operationType": "date_histogram",
        "sourceField": field,
        "isBucketed": True,
        "scale": "interval",
        "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
    }


def terms(
    field: str, label: str, size: int = 10, order_by: str = "count", other: bool = True
) -> dict:
    return {
        "label": label,
        "dataType": "string",
        "operationType": "terms",
        "sourceField": field,
        "isBucketed": True,
        "scale": "ordinal",
        "params": {
            "size": size,
            "orderBy": {"type": "column", "columnId": order_by},
            "orderDirection": "desc",
            "otherBucket": other,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
        },
    }


def count(label: str = "数量", kql: str | None = None) -> dict:
    col: dict[str, Any] = {
        "label": label,
        "dataType": "number",
        "operationType": "count",
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": "___records___",
        "params": {"emptyAsNull": True},
    }
    if kql:
        col["filter"] = {"query": kql, "language": "kuery"}
    return col


def metric(op: str, field: str, label: str) -> dict:
    return {
        "label": label,
        "dataType": "number",
        "operationType": op,
        "sourceField": field,
        "isBucketed": False,
        "scale": "ratio",
        "params": {"emptyAsNull": True},
    }


# -- visualizations -----------------------------------------------------------------------
def lens(
    vid: str,
    title: str,
    view: str,
    columns: dict[str, dict],
    visualization: dict,
    vis_type: str,
    description: str = "",
    kql: str = "",
) -> dict:
    layer = "layer1"
    return {
        "type": "lens",
        "id": vid,
        "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": LENS_VERSION,
        "attributes": {
            "title": title,
            "description": description,
            "visualizationType": vis_type,
            "state": {
                "datasourceStates": {
                    "formBased": {
                        "layers": {
                            layer: {
                                "columns": columns,
                                "columnOrder": list(columns),
                                "incompleteColumns": {},
                            }
                        }
                    }
                },
                "visualization": {**visualization, "layerId": layer}
                if vis_type in ("lnsMetric", "lnsDatatable")
                else visualization,
                "query": {"query": kql, "language": "kuery"},
                "filters": [],
                "adHocDataViews": {},
                "internalReferences": [],
            },
        },
        "references": [
            {"type": "index-pattern", "id": view, "name": f"indexpattern-datasource-layer-{layer}"}
        ],
    }


def xy(
    vid: str,
    title: str,
    view: str,
    x: dict,
    y: dict,
    split: dict | None = None,
    series: str = "bar_stacked",
    **kw,
) -> dict:
    columns = {"x": x, "y": y}
    if split:
        columns = {"x": x, "split": split, "y": y}
    layer = {
        "layerId": "layer1",
        "layerType": "data",
        "seriesType": series,
        "xAccessor": "x",
        "accessors": ["y"],
    }
    if split:
        layer["splitAccessor"] = "split"
    vis = {
        "preferredSeriesType": series,
        "legend": {"isVisible": True, "position": "right"},
        "valueLabels": "hide",
        "layers": [layer],
    }
    if split:  # terms on x need the split terms sorted by the metric
        split["params"]["orderBy"] = {"type": "column", "columnId": "y"}
    if x["operationType"] == "terms":
        x["params"]["orderBy"] = {"type": "column", "columnId": "y"}
    return lens(vid, title, view, columns, vis, "lnsXY", **kw)


def pie(vid: str, title: str, view: str, slice_by: dict, **kw) -> dict:
    slice_by["params"]["orderBy"] = {"type": "column", "columnId": "y"}
    vis = {
        "shape": "donut",
        "layers": [
            {
                "layerId": "layer1",
                "layerType": "data",
                "primaryGroups": ["g"],
                "metrics": ["y"],
                "numberDisplay": "percent",
                "categoryDisplay": "default",
                "legendDisplay": "default",
            }
        ],
    }
    return lens(vid, title, view, {"g": slice_by, "y": count()}, vis, "lnsPie", **kw)


def metric_tile(vid: str, title: str, view: str, column: dict, **kw) -> dict:
    return lens(
        vid,
        title,
        view,
        {"m": column},
        {"metricAccessor": "m", "layerType": "data"},
        "lnsMetric",
        **kw,
    )


def table(vid: str, title: str, view: str, columns: dict[str, dict], **kw) -> dict:
    vis = {"columns": [{"columnId": c} for c in columns], "layerType": "data"}
    return lens(vid, title, view, columns, vis, "lnsDatatable", **kw)


def visualizations() -> tuple[list[dict], list[dict]]:
    P, E, A = "yuqing-posts", "yuqing-events", "yuqing-alerts"
    overview = [
        metric_tile("yuqing-lens-posts-total", "信息总量", P, count("信息量")),
        metric_tile("yuqing-lens-posts-negative", "负面信息", P, count("负面信息", NEGATIVE_KQL)),
        metric_tile(
            "yuqing-lens-events-hot", "热点事件（热度≥60）", E, count("事件数", "hotness >= 60")
        ),
        metric_tile(
            "yuqing-lens-sentiment-avg", "平均情感", P, metric("average", "sentiment", "平均情感")
        ),
        xy(
            "yuqing-lens-volume-category",
            "信息量趋势（按分类）",
            P,
            date_histogram("crawled_at"),
            count("信息量"),
            terms("category", "分类", 10),
        ),
        xy(
            "yuqing-lens-volume-focus",
            "信息量趋势（按重点领域）",
            P,
            date_histogram("crawled_at"),
            count("信息量"),
            terms("focus", "重点领域", 8),
        ),
        xy(
            "yuqing-lens-volume-channel",
            "信息量趋势（按渠道）",
            P,
            date_histogram("crawled_at"),
            count("信息量"),
            terms("channel", "渠道", 10),
            series="area_stacked",
        ),
        xy(
            "yuqing-lens-negativity-trend",
            "负面情绪走势（平均情感，按重点领域）",
            P,
            date_histogram("crawled_at"),
            metric("average", "sentiment", "平均情感"),
            terms("focus", "重点领域", 8),
            series="line",
        ),
        table(
            "yuqing-lens-top-events",
            "热点事件 TOP 20",
            E,
            {
                "t": terms("title.keyword", "事件", 20, order_by="h", other=False),
                "h": metric("max", "hotness", "热度"),
                "s": metric("max", "size", "信息量"),
                "n": metric("average", "negativity", "负面度"),
            },
        ),
        table(
            "yuqing-lens-hot-issues",
            "热点问题表（热度指数 TOP 20）",
            E,
            {
                "t": terms("title.keyword", "问题描述", 20, order_by="h", other=False),
                "h": metric("max", "hotness", "热度指数"),
                "s": metric("max", "size", "留言数"),
                "a": metric("max", "authors", "留言人数"),
                "l": metric("max", "likes", "点赞数"),
            },
        ),
        xy(
            "yuqing-lens-hot-places",
            "热点问题地点（按热度指数）",
            E,
            terms("anchors", "地点", 15),
            metric("max", "hotness", "热度指数"),
            series="bar_horizontal",
        ),
        xy(  # where the posts are about (yuqing.models.post_place), not their sources' region
            "yuqing-lens-regions",
            "地区分布（信息所涉地点）",
            P,
            terms("place", "地点", 15),
            count("信息量"),
            series="bar_horizontal",
        ),
        xy(
            "yuqing-lens-sources",
            "来源排行",
            P,
            terms("source_id", "来源", 15),
            count("信息量"),
            series="bar_horizontal",
        ),
        pie("yuqing-lens-channel-share", "渠道占比", P, terms("channel", "渠道", 10)),
    ]
    response = [
        metric_tile("yuqing-lens-alerts-total", "预警总数", A, count("预警")),
        metric_tile(
            "yuqing-lens-alerts-overdue",
            "逾期未签收（已督办）",
            A,
            count("逾期", 'status : "escalated"'),
        ),
        metric_tile("yuqing-lens-alerts-open", "待签收", A, count("待签收", 'status : "open"')),
        metric_tile(
            "yuqing-lens-ack-median",
            "签收用时中位数（分钟）",
            A,
            metric("median", "ack_minutes", "签收用时（分钟）"),
        ),
        xy(
            "yuqing-lens-alerts-level",
            "预警趋势（按级别）",
            A,
            date_histogram("created_at"),
            count("预警"),
            terms("level", "级别", 4),
        ),
        pie("yuqing-lens-alerts-status", "处置状态", A, terms("status", "状态", 4)),
        table(
            "yuqing-lens-alerts-department",
            "各部门预警与签收",
            A,
            {
                "d": terms("departments", "部门", 30, order_by="c", other=False),
                "c": count("预警"),
                "k": count("已签收", "acked_at : *"),
                "p": count("已回应", "responded_at : *"),
                "r": count("已办结", 'status : "resolved"'),
                "o": count("逾期（已督办）", 'status : "escalated"'),
                "m": metric("average", "ack_minutes", "平均签收用时（分钟）"),
            },
        ),
        xy(
            "yuqing-lens-ack-by-level",
            "签收用时（按级别，分钟）",
            A,
            terms("level", "级别", 4),
            metric("average", "ack_minutes", "平均签收用时"),
        ),
        table(
            "yuqing-lens-alerts-overdue-list",
            "逾期未签收预警",
            A,
            {
                "t": terms("title.keyword", "预警", 50, order_by="c", other=False),
                "l": terms("level", "级别", 4, order_by="c", other=False),
                "d": terms("departments", "部门", 10, order_by="c", other=False),
                "c": count("数量"),
            },
            kql='status : "escalated"',
        ),
        xy(
            "yuqing-lens-alerts-rule",
            "预警规则",
            A,
            terms("rule", "规则", 15),
            count("预警"),
            series="bar_horizontal",
        ),
    ]
    return overview, response


# -- data views and dashboards ------------------------------------------------------------
def data_view(view_id: str) -> dict:
    pattern, time_field, name = DATA_VIEWS[view_id]
    runtime = {
        k: {"type": v["type"], "script": v["script"]}
        for k, v in RUNTIME_FIELDS.get(view_id, {}).items()
    }
    return {
        "type": "index-pattern",
        "id": view_id,
        "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": "8.0.0",
        "attributes": {
            "title": pattern,
            "name": name,
            "timeFieldName": time_field,
            "runtimeFieldMap": json.dumps(runtime, ensure_ascii=False),
            "fieldFormatMap": "{}",
            "allowNoIndex": True,
        },
        "references": [],
    }


def _size(vis: dict) -> tuple[int, int]:
    kind = vis["attributes"]["visualizationType"]
    return {"lnsMetric": (12, 6), "lnsPie": (16, 14), "lnsDatatable": (24, 16)}.get(kind, (24, 14))


def dashboard(did: str, title: str, description: str, panels: list[dict]) -> dict:
    grid, refs, x, y, row_h = [], [], 0, 0, 0
    for i, vis in enumerate(panels, 1):
        w, h = _size(vis)
        if x + w > 48:
            x, y, row_h = 0, y + row_h, 0
        pid = f"p{i}"
        grid.append(
            {
                "version": PANEL_VERSION,
                "type": "lens",
                "panelIndex": pid,
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": pid},
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{pid}",
                "title": vis["attributes"]["title"],
            }
        )
        refs.append({"name": f"panel_{pid}", "type": "lens", "id": vis["id"]})
        x, row_h = x + w, max(row_h, h)
    return {
        "type": "dashboard",
        "id": did,
        "coreMigrationVersion": CORE_VERSION,
        "typeMigrationVersion": DASHBOARD_VERSION,
        "attributes": {
            "title": title,
            "description": description,
            "panelsJSON": json.dumps(grid, ensure_ascii=False),
            "optionsJSON": json.dumps(
                {
                    "useMargins": True,
                    "syncColors": False,
                    "syncCursor": True,
                    "syncTooltips": False,
                    "hidePanelTitles": False,
                }
            ),
            "timeRestore": True,
            "timeFrom": "now-7d",
            "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 60000},
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": json.dumps(
                    {"query": {"query": "", "language": "kuery"}, "filter": []}
                )
            },
        },
        "references": refs,
    }


def build() -> list[dict]:
    overview, response = visualizations()
    return [
        *(data_view(v) for v in DATA_VIEWS),
        *overview,
        *response,
        dashboard(
            "yuqing-dashboard-overview",
            "舆情总览",
            "信息量（按分类/重点领域/渠道）、热点事件、负面情绪、地区与来源",
            overview,
        ),
        dashboard(
            "yuqing-dashboard-response",
            "预警处置",
            "预警（按级别/状态/部门）、签收用时、逾期未签收",
            response,
        ),
    ]


def to_ndjson(objects: list[dict]) -> str:
    return "".join(json.dumps(o, ensure_ascii=False, sort_keys=True) + "\n" for o in objects)
