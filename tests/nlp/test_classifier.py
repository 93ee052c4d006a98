import json
import pickle

import joblib
import pytest

from tests.nlp.helpers import DATA, REPO, teddy
from yuqing.nlp.data import load_labelled
from yuqing.nlp.errors import ModelFileError, ModelVersionError, TrainingDataError
from yuqing.nlp.train import DEFAULT_MODEL, evaluate_model, load_model, save_model, train_model


def test_shipped_model_dev_macro_f1_and_metadata():
    clf = load_model()
    rows = teddy("dev")
    m = evaluate_model(clf, [r["text"] for r in rows], [r["label"] for r in rows])
    assert m["n"] == 390
    assert m["macro_f1"] >= 0.90 and m["accuracy"] >= 0.90
    assert set(m["per_class"]) == set(clf.labels) and len(clf.labels) == 7
    meta = clf.metadata
    assert meta["dev_metrics"]["macro_f1"] == pytest.approx(m["macro_f1"], abs=1e-3)
    assert len(meta["training_data"]["sha256"]) == 64
    assert {"python", "sklearn", "jieba"} <= set(meta["versions"])
    assert "泰迪杯" in meta["provenance"]
    assert DEFAULT_MODEL.stat().st_size < 15_000_000


def test_calibrated_scores_are_probabilities():
    clf = load_model()
    ((label, score),) = clf.predict(["小区垃圾没人清理\n垃圾堆积如山，臭气熏天，物业不管"])
    assert 0 < score <= 1
    proba = clf.predict_proba(["随便说点什么"])
    assert proba.sum() == pytest.approx(1.0)


def _write(tmp_path, name, content, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return p


@pytest.mark.parametrize(
    "content,needle",
    [
        ("body,label\n你好,a\n", "missing column(s) text"),
        ("text,label\n你好,a\n  ,b\n", "empty text"),
        ("text,label\n你好,a\n再见,a\n", "only one class"),
        ("text,label\n", "no data rows"),
    ],
)
def test_training_data_errors(tmp_path, content, needle):
    with pytest.raises(TrainingDataError) as exc:
        load_labelled(_write(tmp_path, "d.csv", content))
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_encodings_and_jsonl(tmp_path):
    d = load_labelled(
        _write(tmp_path, "g.csv", "text,label\n拖欠工资,劳动\n垃圾,环境\n", "gb18030")
    )
    assert d.texts == ["拖欠工资", "垃圾"]
    d = load_labelled(_write(tmp_path, "b.csv", "\ufefftext,label\n甲,a\n乙,b\n"))
    assert d.labels == ["a", "b"]
    d = load_labelled(
        _write(tmp_path, "j.jsonl", '{"text":"甲","label":"a"}\n{"text":"乙","label":"b"}\n')
    )
    assert len(d) == 2
    with pytest.raises(TrainingDataError, match="unknown text encoding"):
        load_labelled(_write(tmp_path, "bad.csv", b"text,label\n\xff\xfe\xff\x80,a\n"))
    with pytest.raises(TrainingDataError, match="missing key"):
        load_labelled(_write(tmp_path, "k.jsonl", '{"body":"甲","label":"a"}\n'))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    rows = teddy("train")[::8]  # ~280 rows: a small, fast model
    path = tmp_path_factory.mktemp("m") / "train.jsonl"
    path.write_text(
        "\n".join(
            json.dumps({"text": r["text"], "label": r["label"]}, ensure_ascii=False) for r in rows
        ),
        encoding="utf-8",
    )
    clf = train_model(path, dev=DATA / "dev.csv", calibration_cv=3)
    out = save_model(clf, tmp_path_factory.mktemp("m") / "tiny.joblib")
    return clf, out


def test_tiny_model_roundtrip(tiny_model):
    clf, path = tiny_model
    again = load_model(path)
    assert again.labels == clf.labels
    assert again.metadata["dev_metrics"]["macro_f1"] > 0.6
    texts = [r["text"] for r in teddy("dev")[:20]]
    assert again.predict(texts) == clf.predict(texts)


def test_version_mismatch_raises_clear_error(tiny_model, tmp_path):
    _, path = tiny_model
    box = joblib.load(path)
    box["metadata"]["versions"]["sklearn"] = "0.24.2"
    bad = tmp_path / "old.joblib"
    joblib.dump(box, bad)
    with pytest.raises(ModelVersionError, match=r"sklearn 0\.24\.2 \(installed"):
        load_model(bad)


def test_not_a_model_file(tmp_path):
    p = tmp_path / "x.joblib"
    joblib.dump({"hello": 1}, p)
    with pytest.raises(ModelFileError, match="not a Yuqing model"):
        load_model(p)
    p.write_bytes(pickle.dumps([1, 2]) + b"garbage")
    with pytest.raises(ModelFileError):
        load_model(p)


def test_model_file_written_before_the_namespace_change_loads():
    """A model file pickled when the package was the bare ``nlp`` still loads (class alias)."""
    from yuqing.nlp import model_file
    from yuqing.nlp.sentiment import SentimentModel

    path = REPO / "tests" / "nlp" / "data" / "pre_namespace_sentiment.joblib"
    assert b"nlp.sentiment" in model_file.read_header(path)["payload"]
    model, _meta = model_file.load(path, kind="sentiment")
    assert isinstance(model, SentimentModel)


def test_taxonomy_anchors_count_the_tree_names_per_first_level_class(tmp_path):
    import math

    from yuqing.nlp.features import TaxonomyAnchors

    tree = tmp_path / "t.csv"
    tree.write_text(
        "一级分类,二级分类,三级分类\n"
        "环境保护,环境污染,噪音污染\n环境保护,环境污染,其他\n"
        "城乡建设,住房保障与房地产,物业服务、房屋租赁\n党务政务,党的建设,组织建设\n",
        encoding="utf-8",
    )
    a = TaxonomyAnchors(str(tree)).fit(["x", "y"], ["环境保护", "城乡建设"])
    tree.unlink()  # the names live in the fitted transformer
    assert a.classes_ == ["城乡建设", "环境保护"]  # labels only; 党务政务 is not one
    assert "其他" not in a.terms_[1] and "房屋租赁" in a.terms_[0]
    v = a.transform(["小区物业服务差，噪音污染严重，环境污染"]).toarray()[0]
    # 城乡建设: 物业服务 once; 环境保护: its names 噪音污染 and 环境污染 once each
    assert math.isclose(v[0], math.log1p(1)) and math.isclose(v[1], math.log1p(2))
    # level 3: each first-level class's second-level names and third-level names apart
    import numpy as np

    tree.write_text(
        "一级分类,二级分类,三级分类\n环境保护,环境污染,噪音污染\n城乡建设,住房保障,物业服务\n",
        encoding="utf-8",
    )
    a3 = TaxonomyAnchors(str(tree), level=3).fit(["x", "y"], ["环境保护", "城乡建设"])
    assert a3.classes_ == ["城乡建设/2", "城乡建设/3", "环境保护/2", "环境保护/3"]
    assert a3.terms_ == [["住房保障"], ["物业服务"], ["环境污染"], ["噪音污染"]]
    v3 = a3.transform(["噪音污染，噪音污染，环境污染"]).toarray()[0]
    assert np.allclose(v3, np.log1p([0, 0, 1, 2]))
