"""The centroid index keeps every event whose cosine can reach the threshold (and skips the
rest), so event assignment gives the same result as scoring every candidate."""

from __future__ import annotations

import math
import random

from yuqing.nlp.centroids import CentroidIndex

VOCAB = [f"t{i}" for i in range(300)]


def _cos(vec, centroid):
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    return sum(w * centroid.get(k, 0.0) for k, w in vec.items()) / norm


def _unit(vec):
    n = math.sqrt(sum(v * v for v in vec.values()))
    return {k: v / n for k, v in vec.items()}


def test_candidates_hold_every_event_that_reaches_the_threshold():
    rnd = random.Random(5)
    top = 10
    index = CentroidIndex(top)
    centroids = {}
    for e in range(400):  # skewed vocabularies: a few common terms, many rare ones
        terms = rnd.sample(VOCAB[:20], 3) + rnd.sample(VOCAB, rnd.randint(2, 2 * top))
        centroids[f"e{e}"] = {t: rnd.random() * (3 if t in VOCAB[:20] else 1) for t in terms}
    for eid, c in centroids.items():
        index.update(eid, c)
    for eid in list(centroids)[::7]:  # changed centroids and removed events stay consistent
        centroids[eid] = {t: rnd.random() for t in rnd.sample(VOCAB, 15)}
        index.update(eid, centroids[eid])
    for eid in list(centroids)[::11]:
        index.remove(eid)
        del centroids[eid]
    skipped = 0
    for _ in range(300):
        vec = _unit({t: rnd.random() for t in rnd.sample(VOCAB, rnd.randint(3, 20))})
        indexed = {
            eid
            for eid, c in centroids.items()
            if set(vec) & {k for k, _ in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:top]}
        }
        reach = {eid for eid in indexed if _cos(vec, centroids[eid]) >= 0.35}
        got = index.candidates(vec, 0.35)
        assert reach <= set(got) <= indexed and got == sorted(got)
        skipped += len(indexed) - len(got)
    assert skipped > 0  # the bound does prune


class EveryCandidate(CentroidIndex):
    """Scores every event sharing an indexed term (what the tracker did before the bound)."""

    def candidates(self, vec, threshold):
        return sorted({eid for term in vec for eid in self._postings.get(term, {})})


def test_tracker_assigns_as_if_every_candidate_were_scored():
    from tests.nlp.helpers import post as make_post
    from yuqing.models import Post
    from yuqing.nlp.events import EventTracker
    from yuqing.nlp.settings import NLPSettings

    rnd = random.Random(9)
    s = NLPSettings.model_validate({"events": {"centroid_terms": 8, "similarity": 0.3}})
    fast, slow = EventTracker(s), EventTracker(s)
    slow._index = EveryCandidate(8)
    groups = [rnd.sample(VOCAB, 12) for _ in range(40)]  # topics posts are drawn from
    for i in range(800):
        terms = rnd.sample(rnd.choice(groups), 6) + rnd.sample(VOCAB, 3)
        vec = {t: rnd.random() for t in terms}
        post = make_post(f"p{i}", "t", "x", minutes=i, crawled_minutes=i)
        assert (
            fast.assign(post, dict(vec)).id
            == slow.assign(Post.from_dict(post.to_dict()), dict(vec)).id
        )
    assert len({st.event.id for st in fast._events.values()}) > 40  # real choices were made
