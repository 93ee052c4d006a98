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


def test_classify_bad_lines_are_named_and_the_good_ones_classified():
    """A malformed line no longer costs the whole input: each bad line is one stderr line
    naming it, every good line is classified, and the exit status says something was bad."""
    good = {"id": "1", "title": "拖欠工资", "text": "公司拖欠工资三个月"}
    lines = [
        json.dumps(good, ensure_ascii=False).encode(),
        b'{"id":"2","title":"x"',
        b"",
        json.dumps({"id": "4", "text": "河道污水直排"}, ensure_ascii=False).encode(),
        b"[1, 2]",
        b'{"id":"6","text":"\xff"}',
    ]
    r = CliRunner().invoke(cli, ["--config", CONFIG, "classify"], input=b"\n".join(lines) + b"\n")
    assert r.exit_code == 1
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["1", "4"]
    assert r.stderr.splitlines() == [
        "error: stdin line 2: not JSON (Expecting ',' delimiter, column 22)",
        "error: stdin line 5: expected an object with 'title' and/or 'text'",
        "error: stdin line 6: not UTF-8 (invalid start byte at byte 18)",
        "error: 3 of 6 stdin lines not classified (each named above)",
    ]
    one_bad = CliRunner().invoke(cli, ["--config", CONFIG, "classify"], input=lines[1] + b"\n")
    assert one_bad.exit_code == 1 and one_bad.stdout == ""
    assert one_bad.stderr == "error: stdin line 1: not JSON (Expecting ',' delimiter, column 22)\n"


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


def _write(path, header, rows):
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


SIGNAL_ROWS = [
    (
        "拖欠工资\n公司拖欠工资三个月，多次投诉无果，工人讨薪无门",
        "劳动和社会保障",
        "wage_arrears",
        1,
    ),
    ("感谢住建局\n感谢区住建局及时解决了我们小区的问题，为民办实事，点赞！", "城乡建设", "", 0),
    ("化工厂偷排\n化工厂夜间偷排废水，河里死鱼，恶臭污染严重", "环境保护", "ecology", 1),
    ("公积金提取咨询\n请问公积金提取需要哪些材料？", "城乡建设", "", 0),
]


def test_evaluate_reports_all_three_signals(tmp_path):
    data = _write(tmp_path / "s.csv", ["text", "label", "focus", "negative"], SIGNAL_ROWS)
    r = CliRunner().invoke(cli, ["--config", CONFIG, "evaluate", "--data", data])
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert {"n", "accuracy", "macro_f1", "per_class", "focus", "negativity"} == set(m)
    assert m["n"] == 4 and m["focus"]["n"] == 4 and m["negativity"]["n"] == 4
    f = m["focus"]["per_topic"]
    from yuqing.config import load_config

    assert list(f) == [t.id for t in load_config(CONFIG).topics.focus]
    assert f["wage_arrears"] == {
        "precision": 1.0,
        "recall": 1.0,
        "f1": 1.0,
        "support": 1,
        "predicted": 1,
        "precision_ci90": [0.2699, 1.0],
        "recall_ci90": [0.2699, 1.0],
    }
    assert f["ecology"]["support"] == 1 and f["ecology"]["recall"] == 1.0
    assert f["food_drug"]["support"] == 0 and f["food_drug"]["recall"] is None
    neg = m["negativity"]
    assert neg["negatives"] == 2 and neg["auc"] == 1.0 and 0.5 <= neg["balanced_accuracy"] <= 1
    assert set(neg) >= {"brier", "ece", "called_negative", "negative_recall"}


def test_evaluate_negativity_only_file(tmp_path):
    rows = [(t, n) for t, _, _, n in SIGNAL_ROWS]
    data = _write(tmp_path / "n.csv", ["text", "negative"], rows)
    r = CliRunner().invoke(cli, ["--config", CONFIG, "evaluate", "--data", data])
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)
    assert set(m) == {"n", "negativity"} and m["negativity"]["auc"] == 1.0


def test_evaluate_bad_files_are_one_line(tmp_path):
    cases = [
        (["text", "note"], [("x", "y")], "no label column"),
        (["text", "focus"], [("x", "ecology|nonsense")], "unknown focus topic id(s) nonsense"),
        (["text", "negative"], [("x", "maybe")], "negative must be 1"),
    ]
    for i, (header, rows, msg) in enumerate(cases):
        data = _write(tmp_path / f"b{i}.csv", header, rows)
        r = CliRunner().invoke(cli, ["--config", CONFIG, "evaluate", "--data", data])
        assert r.exit_code == 1 and msg in r.output, r.output
        assert len(r.output.strip().splitlines()) == 1
