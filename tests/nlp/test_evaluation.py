from yuqing.nlp.evaluation import focus_metrics, negativity_metrics, wilson_interval


def test_negativity_metrics_by_hand():
    # negativity = -sentiment: negatives score 0.5, -0.2; the others 0.1, -0.5 -> 3 of 4 pairs
    m = negativity_metrics([1, 1, 0, 0], [-0.5, 0.2, -0.1, 0.5])
    assert m["auc"] == 0.75
    assert m["negative_recall"] == 0.5 and m["non_negative_recall"] == 0.5
    assert m["balanced_accuracy"] == 0.5 and m["called_negative"] == 0.5
    # P(negative) = (1 - s) / 2 = .75 .4 .55 .25
    assert m["brier"] == round((0.25**2 + 0.6**2 + 0.55**2 + 0.25**2) / 4, 4)


def test_negativity_metrics_one_class_has_no_auc():
    m = negativity_metrics([1, 1], [-0.3, 0.1])
    assert m["auc"] is None and m["balanced_accuracy"] is None and m["negative_recall"] == 0.5


def test_focus_metrics_by_hand():
    truth = [["ecology"], ["ecology", "work_safety"], [], ["wage_arrears"]]
    pred = [["ecology"], ["work_safety"], ["ecology"], []]
    m = focus_metrics(truth, pred, ["ecology", "work_safety", "wage_arrears", "hardship"])
    e = m["per_topic"]["ecology"]
    assert (e["precision"], e["recall"], e["support"], e["predicted"]) == (0.5, 0.5, 2, 2)
    assert m["per_topic"]["work_safety"]["precision"] == 1.0
    w = m["per_topic"]["wage_arrears"]
    assert w["precision"] is None and w["recall"] == 0.0 and w["f1"] == 0.0
    h = m["per_topic"]["hardship"]
    assert h["precision"] is None and h["recall"] is None and h["f1"] is None
    assert m["micro"]["precision"] == 0.6667 and m["micro"]["recall"] == 0.5
    assert m["exact_match"] == 0.25
    assert e["precision_ci90"] == e["recall_ci90"] == wilson_interval(1, 2)
    assert h["precision_ci90"] is None and h["recall_ci90"] is None
    assert m["micro"]["recall_ci90"] == wilson_interval(2, 4)


def test_wilson_interval_by_hand():
    # 8 of 10 at z = 1.6449: centre (0.8 + 0.1353) / 1.2706 = 0.7361, half-width 0.1953
    lo, hi = wilson_interval(8, 10)
    assert (lo, hi) == (0.5408, 0.9314)
    assert wilson_interval(0, 5)[0] == 0.0 and wilson_interval(5, 5)[1] == 1.0
    assert wilson_interval(0, 0) is None
    # wider with fewer trials, and always around the observed share
    assert wilson_interval(80, 100)[0] > lo and wilson_interval(80, 100)[1] < hi
