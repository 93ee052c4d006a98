import json

from click.testing import CliRunner

from tests.nlp.helpers import DATA, REPO
from yuqing.cli import cli

CONFIG = str(REPO / "config")


def test_classify_jsonl():
    lines = [
        {"id": "1", "title": "拖欠工资", "text": "公司拖欠工资三个月，多次投诉无果"},
        {"id": "2", "title": "拖欠工资", "text": "公司拖欠工资三个月，多次投诉无果。"},
        {"id": "3", "title": "路灯不亮", "text": "小区门口路灯坏了一个月"},
    ]
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    r = CliRunner().invoke(cli, ["--config", CONFIG, "classify"], input=stdin)
    assert r.exit_code == 0, r.output
    out = [json.loads(x) for x in r.output.splitlines()]
    assert [o["id"] for o in out] == ["1", "2", "3"]
    for key in (
        "category",
        "category_score",
        "category_uncertain",
        "focus",
        "focus_evidence",
        "sentiment",
        "risk_flags",
        "keywords",
        "regions_mentioned",
        "tokens",
        "event_id",
        "duplicate_of",
    ):
        assert key in out[0]
    assert out[0]["focus"] == ["wage_arrears"] and out[0]["sentiment"] < 0
    assert out[1]["duplicate_of"] == "1" and out[1]["event_id"] == out[0]["event_id"]
    assert out[2]["event_id"] != out[0]["event_id"]


def test_classify_bad_input_one_line_error():
    r = CliRunner().invoke(cli, ["--config", CONFIG, "classify"], input="not json\n")
    assert r.exit_code != 0 and "line 1" in r.output and "Traceback" not in r.output


def test_evaluate_prints_contract_json(tmp_path):
    sample = tmp_path / "d.csv"
    rows = (DATA / "dev.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    import csv
    import io

    data = list(csv.DictReader(io.StringIO("".join(rows))))[:40]
    with open(sample, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["text", "label"])
        w.writeheader()
        w.writerows({"text": d["text"], "label": d["label"]} for d in data)
    r = CliRunner().invoke(cli, ["evaluate", "--data", str(sample)])
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert set(m) == {"n", "accuracy", "macro_f1", "per_class"} and m["n"] == 40
    one = next(iter(m["per_class"].values()))
    assert set(one) == {"precision", "recall", "f1", "support"}


def test_train_errors_are_one_line(tmp_path):
    bad = tmp_path / "b.csv"
    bad.write_text("body,label\nx,a\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["train", "--data", str(bad), "--out", str(tmp_path / "m")])
    assert r.exit_code == 1 and "missing column(s) text" in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_help_has_examples():
    for cmd in ("train", "evaluate", "classify"):
        r = CliRunner().invoke(cli, [cmd, "--help"])
        assert r.exit_code == 0 and "Example:" in r.output and "yuqing " in r.output
