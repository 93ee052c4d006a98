"""Kibana saved objects, checked structurally and against the Elasticsearch index mappings
(Kibana cannot run here), and ``yuqing kibana import`` against a local HTTP server that stands
in for Kibana's saved-objects API (the one stand-in in this suite: it checks what we send)."""

from __future__ import annotations

import json
import re
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from yuqing.cli import cli
from yuqing.dashboards.kibana import shipped_ndjson
from yuqing.dashboards.kibana.fields import AGGREGATABLE, CONTRACT_FIELDS, NUMERIC, mapping_fields
from yuqing.dashboards.kibana.saved_objects import DATA_VIEWS, RUNTIME_FIELDS, build, to_ndjson

VIEW_KIND = {"yuqing-posts": "posts", "yuqing-events": "events", "yuqing-alerts": "alerts"}
KQL_FIELD = re.compile(r"([A-Za-z_][\w.]*)\s*(?::|<=|>=|<|>)")


def objects() -> list[dict]:
    return [json.loads(line) for line in shipped_ndjson().splitlines() if line.strip()]


def test_shipped_file_is_generated_from_code():
    assert shipped_ndjson() == to_ndjson(build()), (
        "run: yuqing kibana export --out dashboards/kibana"
    )


def test_every_line_is_a_saved_object_with_unique_id():
    objs = objects()
    assert len(objs) == len(shipped_ndjson().strip().splitlines())
    keys = [(o["type"], o["id"]) for o in objs]
    assert len(keys) == len(set(keys))
    assert {o["type"] for o in objs} == {"index-pattern", "lens", "dashboard"}
    for o in objs:
        assert o["attributes"]["title"]


def test_references_resolve():
    objs = objects()
    known = {(o["type"], o["id"]) for o in objs}
    for o in objs:
        for ref in o["references"]:
            assert (ref["type"], ref["id"]) in known, (o["id"], ref)


def test_dashboards_panels_reference_visualizations():
    objs = objects()
    dashboards = [o for o in objs if o["type"] == "dashboard"]
    assert {d["attributes"]["title"] for d in dashboards} == {"舆情总览", "预警处置"}
    lens_ids = {o["id"] for o in objs if o["type"] == "lens"}
    used = set()
    for d in dashboards:
        refs = {r["name"]: r for r in d["references"]}
        panels = json.loads(d["attributes"]["panelsJSON"])
        assert panels
        for p in panels:
            ref = refs[p["panelRefName"]]
            assert ref["type"] == "lens" and ref["id"] in lens_ids
            used.add(ref["id"])
            g = p["gridData"]
            assert g["x"] + g["w"] <= 48 and g["i"] == p["panelIndex"]
        json.loads(d["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert used == lens_ids, "every visualization is on a dashboard"


def test_data_views_time_fields_exist_as_dates():
    for o in objects():
        if o["type"] != "index-pattern":
            continue
        kind = VIEW_KIND[o["id"]]
        assert o["attributes"]["title"] == f"yuqing-{kind}*"
        fields = mapping_fields(kind)
        assert fields[o["attributes"]["timeFieldName"]] == "date"
        runtime = json.loads(o["attributes"]["runtimeFieldMap"])
        for name, spec in RUNTIME_FIELDS.get(o["id"], {}).items():
            assert name in runtime and name not in fields
            for used in spec["uses"]:
                assert fields[used] == "date", used
                assert f"doc['{used}']" in spec["script"]["source"]


def _fields_of(view: str) -> dict[str, str]:
    fields = mapping_fields(VIEW_KIND[view])
    fields.update({k: v["type"] for k, v in RUNTIME_FIELDS.get(view, {}).items()})
    return fields


def _kql_fields(query: str) -> list[str]:
    return KQL_FIELD.findall(re.sub(r'"[^"]*"', '""', query))


def test_lens_fields_exist_with_the_right_type():
    for o in objects():
        if o["type"] != "lens":
            continue
        state = o["attributes"]["state"]
        layers = state["datasourceStates"]["formBased"]["layers"]
        refs = {r["name"]: r["id"] for r in o["references"]}
        for layer_id, layer in layers.items():
            view = refs[f"indexpattern-datasource-layer-{layer_id}"]
            assert view in DATA_VIEWS
            fields = _fields_of(view)
            order = layer["columnOrder"]
            assert sorted(order) == sorted(layer["columns"])
            bucketed = [layer["columns"][c]["isBucketed"] for c in order]
            assert bucketed == sorted(bucketed, reverse=True), f"{o['id']}: buckets first"
            for col_id, col in layer["columns"].items():
                op, src = col["operationType"], col["sourceField"]
                where = f"{o['id']}:{col_id} {op}({src})"
                if op == "count":
                    assert src == "___records___", where
                elif op == "date_histogram":
                    assert fields.get(src) == "date", where
                elif op == "terms":
                    assert fields.get(src) in AGGREGATABLE, where
                    order = col["params"]["orderBy"]
                    if order["type"] == "column":
                        assert order["columnId"] in layer["columns"], where
                else:
                    assert fields.get(src) in NUMERIC | {"double"}, where
                if "filter" in col:
                    for f in _kql_fields(col["filter"]["query"]):
                        assert f in fields, f"{where} filter uses unknown field {f}"
            for f in _kql_fields(state["query"]["query"]):
                assert f in fields, f"{o['id']} query uses unknown field {f}"
        vis = state["visualization"]
        accessors = set(json.dumps(vis).split('"')) & set(
            c for layer in layers.values() for c in layer["columns"]
        )
        assert accessors, f"{o['id']}: visualization uses none of its columns"


def test_the_regions_panel_counts_posts_where_they_are_about():
    lens = next(o for o in objects() if o["id"] == "yuqing-lens-regions")
    layers = lens["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]
    terms = [c for layer in layers.values() for c in layer["columns"].values()]
    assert [c["sourceField"] for c in terms if c["operationType"] == "terms"] == ["place"]


def test_contract_table_agrees_with_the_mappings():
    for kind, table in CONTRACT_FIELDS.items():
        actual = mapping_fields(kind)
        for name, typ in table.items():
            assert actual.get(name) == typ, f"{kind}.{name}: {actual.get(name)} != {typ}"


def test_export_command(tmp_path):
    res = CliRunner().invoke(cli, ["kibana", "export", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "yuqing.ndjson").read_text(encoding="utf-8") == shipped_ndjson()


# -- import against a loopback stand-in for Kibana's saved-objects API --------------------
class _Kibana(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.requests.append((self.path, headers, body))  # type: ignore
        status, answer = self.server.answer  # type: ignore[attr-defined]
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def kibana_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Kibana)
    server.requests = []  # type: ignore[attr-defined]
    server.answer = (
        200,
        {
            "success": True,
            "successCount": 27,  # type: ignore[attr-defined]
            "successResults": [],
        },
    )
    server.url = f"http://127.0.0.1:{server.server_port}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _uploaded(headers: dict, body: bytes):
    raw = f"Content-Type: {headers['content-type']}\r\n\r\n".encode() + body
    msg = BytesParser(policy=HTTP).parsebytes(raw)
    return list(msg.iter_parts())


def test_import_sends_multipart_with_headers(kibana_api, monkeypatch):
    monkeypatch.setenv("YUQING_KIBANA_API_KEY", "c2VjcmV0OmtleQ==")
    res = CliRunner().invoke(
        cli, ["kibana", "import", "--url", kibana_api.url + "/", "--space", "analysts"]
    )
    assert res.exit_code == 0, res.output
    assert "imported 27 saved objects" in res.output
    path, headers, body = kibana_api.requests[0]
    assert path == "/s/analysts/api/saved_objects/_import?overwrite=true"
    assert headers["kbn-xsrf"] == "true"
    assert headers["authorization"] == "ApiKey c2VjcmV0OmtleQ=="
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    parts = _uploaded(headers, body)
    assert len(parts) == 1
    assert parts[0].get_param("name", header="content-disposition") == "file"
    assert parts[0].get_filename() == "yuqing.ndjson"
    assert parts[0].get_payload(decode=True).decode("utf-8") == shipped_ndjson()


def test_import_reports_each_error_on_its_own_line(kibana_api, monkeypatch):
    monkeypatch.delenv("YUQING_KIBANA_API_KEY", raising=False)
    kibana_api.answer = (
        200,
        {
            "success": False,
            "successCount": 25,
            "errors": [
                {
                    "id": "yuqing-dashboard-overview",
                    "type": "dashboard",
                    "meta": {"title": "舆情总览"},
                    "error": {"type": "conflict"},
                },
                {
                    "id": "yuqing-lens-regions",
                    "type": "lens",
                    "meta": {"title": "地区分布"},
                    "error": {
                        "type": "missing_references",
                        "references": [{"type": "index-pattern", "id": "yuqing-posts"}],
                    },
                },
            ],
        },
    )
    res = CliRunner().invoke(cli, ["kibana", "import", "--url", kibana_api.url])
    assert res.exit_code == 1
    lines = res.stderr.strip().splitlines()
    assert lines[0] == "error: dashboard yuqing-dashboard-overview (舆情总览): conflict"
    assert lines[1] == (
        "error: lens yuqing-lens-regions (地区分布): missing_references — "
        "missing index-pattern:yuqing-posts"
    )
    assert "2 saved object(s) failed" in lines[-1]
    _, headers, _ = kibana_api.requests[0]
    assert "authorization" not in headers
    assert kibana_api.requests[0][0] == "/api/saved_objects/_import?overwrite=true"


def test_import_http_error_is_one_line(kibana_api, monkeypatch):
    monkeypatch.delenv("YUQING_KIBANA_API_KEY", raising=False)
    kibana_api.answer = (
        401,
        {
            "statusCode": 401,
            "error": "Unauthorized",
            "message": "missing authentication credentials",
        },
    )
    res = CliRunner().invoke(cli, ["kibana", "import", "--url", kibana_api.url])
    assert res.exit_code == 1
    assert res.stderr.strip() == (
        "error: Kibana answered HTTP 401: missing authentication "
        "credentials (set $YUQING_KIBANA_API_KEY)"
    )


def test_import_unreachable(tmp_path):
    from tests.dashboards.conftest import free_port

    res = CliRunner().invoke(cli, ["kibana", "import", "--url", f"http://127.0.0.1:{free_port()}"])
    assert res.exit_code == 1
    assert res.stderr.startswith("error: cannot reach Kibana at http://127.0.0.1:")
    assert len(res.stderr.strip().splitlines()) == 1
