"""Consolidation: a shared place supports a merge, never makes one alone (nlp/consolidate.py
``Consolidator._bonus``, ``place_floor``) — two problems at one estate that share an
incidental word stay two issues; one problem told in different words at the estate is one."""

import random

import numpy as np
import pytest
from scipy import sparse

from tests.nlp.helpers import analysed, post, teddy
from yuqing.nlp.anchors import AnchorExtractor
from yuqing.nlp.consolidate import ConsolidationParams, Consolidator, mean_cosine
from yuqing.nlp.segment import read_userdict

ESTATE = "金桂湾花园"
#: one problem (the roof tank leaks), told in two ways: the wordings share the tank and the
#: leak, little else
TANK_A = (
    "楼顶水箱漏水，家里天花板长期渗水发霉。",
    "找人维修了好几次都没修好，墙面大片脱落。",
    "水箱漏水的问题已经拖了半年。",
)
TANK_B = (
    "顶楼的水箱一直在漏，楼下几户的天花板都泡坏了。",
    "下雨天漏得更厉害，电器都不敢插电。",
    "请督促尽快更换水箱。",
)
#: another problem at the same estate (parking fees)
PARKING = (
    "地下车库停车费从每月一百五涨到三百元。",
    "开发商不公示收费依据，也不给任何说法。",
    "车位月租比周边贵一倍，很多车只能停在路边。",
)
#: an incidental word: one resident of each problem says the management company ignores them
INCIDENTAL = "物业不管。"


@pytest.fixture(scope="module")
def estate():
    """300 board messages; at 金桂湾花园 four residents on the leaking tank in one wording,
    four in another, and four on parking fees — over a year, titles of their own."""
    rnd = random.Random(4)
    posts = []
    for i, row in enumerate(teddy("dev")[:300]):
        p = post(f"bg{i:03d}", row["title"], row["body"], minutes=rnd.uniform(0, 400) * 1440)
        posts.append(p)
    for name, lines, title in (
        ("tankA", TANK_A, "楼顶水箱漏水没人修"),
        ("tankB", TANK_B, "水箱漏水泡坏天花板"),
        ("park", PARKING, "车库停车费太贵"),
    ):
        for j in range(4):
            body = f"我是{ESTATE}的业主。" + "".join(rnd.sample(lines, 2))
            body += INCIDENTAL if j == 0 and name != "tankB" else ""
            day = rnd.uniform(0, 360)
            posts.append(post(f"{name}{j}", f"{ESTATE}{title}", body, minutes=day * 1440))
    for p in posts:
        p.author = p.id
    return analysed(posts)


def _events(result, prefix):
    return {e for i, e in result.post_event.items() if i.startswith(prefix)}


def _run(posts, **params):
    c = Consolidator(ConsolidationParams(**params), anchors=AnchorExtractor(read_userdict()))
    return c.run(list(posts))


def test_two_problems_at_one_place_stay_apart_one_problem_in_other_words_joins(estate):
    placed = [p for p in estate if not p.id.startswith("bg")]
    assert all(p.anchors and p.anchors[0] == ESTATE for p in placed)
    res = _run(estate)
    tank = _events(res, "tank")
    assert len(tank) == 1  # the tank in both wordings: one issue
    assert len(_events(res, "park")) == 1
    assert not _events(res, "park") & tank  # the parking fees: another issue
    # without the floor the place and one word (物业, two posts of twelve) made them one
    old = _run(estate, place_floor=0.0)
    assert _events(old, "park") == _events(old, "tank")


def test_the_bonus_is_capped_below_each_cut():
    c = Consolidator(ConsolidationParams(anchor_bonus=0.25, place_floor=1.0))
    c._floor = 0.02  # what cluster() sets: place_floor x the period's mean cosine
    assert c._bonus(0.25) == pytest.approx(0.23)  # the clusters' cut: capped
    assert c._bonus(0.35) == pytest.approx(0.25)  # the fragments' cut: the bonus as set
    c._floor = 0.3
    assert c._bonus(0.25) == 0.0


def test_mean_cosine_is_the_mean_over_distinct_pairs():
    rnd = np.random.default_rng(5)
    M = rnd.random((7, 12)) * (rnd.random((7, 12)) < 0.3)
    M[3] = 0.0  # an empty row counts as a post with nothing in common
    norms = np.linalg.norm(M, axis=1)
    M[norms > 0] /= norms[norms > 0, None]
    P = M @ M.T
    expected = (P.sum() - np.trace(P)) / (7 * 6)
    assert mean_cosine(sparse.csr_matrix(M)) == pytest.approx(expected)
    assert mean_cosine(sparse.csr_matrix(M[:1])) == 0.0
