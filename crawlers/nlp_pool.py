"""Per-post text analysis (and the detail pages' extraction) in worker processes, so the crawl
and the work it hands off use separate cores.

Segmentation and classification are CPU-bound pure Python; run inside the crawl process
they would stall Scrapy's reactor (requests time out while a batch is analysed) and leave
the second core idle. Workers are started with ``spawn`` (never fork a process running a
reactor and threads), load the analyzer once, and return ``Analysis`` records; the stateful
part (near-duplicates, events) stays in the crawl process.

A crawl that has loaded its own analyzer already (the crawl process needs one for the events'
text samples) forks its workers from it instead, before the reactor or any thread starts:
the workers are ready at once, with no second load of the models. Started with ``spawn``, a
worker spent 2.5-4 s of CPU importing scikit-learn and loading the models, inside the crawl's
window and on the cores the crawl itself needed.
"""

from __future__ import annotations

import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

_ANALYZER = None


def warm_analyzer(analyzer) -> None:
    """Do the one-off work (segmenter dictionary, the models' compiled fast paths, the anchor
    tagger) before the crawl starts instead of on its first post, then move everything loaded
    so far out of the garbage collector's way (:func:`settle_collector`)."""
    analyzer.segmenter.warm()
    analyzer.classifier.fast()
    model = getattr(analyzer.negativity, "model", None)
    if model is not None:
        model.fast()
    analyzer.anchors.extract("")
    analyzer.shared_vocabulary()
    settle_collector()


#: young-generation threshold for a warm NLP process (Python's default is 700)
YOUNG_THRESHOLD = 20_000


def settle_collector() -> None:
    """Tune the garbage collector for a process whose models are loaded.

    The models live as long as the process: their ~120 k containers (vocabularies,
    dictionaries, tagger tables) leave the collector's generations, which every full
    collection walked again (≈ 5 % of the stage's CPU in bench/nlp.py); objects frozen this
    way are still freed when their last reference goes. And a batch allocates tens of
    thousands of short-lived containers (tokens, n-gram lists, feature dicts), so the default
    young-generation threshold (700) ran a collection every few posts and promoted the batch's
    live objects into the older generations that later collections walk again; at 20,000
    there are far fewer of both (bench/nlp.py batched 0.86 -> 0.91, bench/results/nlp.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def _init(config_dir: str) -> None:
    global _ANALYZER
    from yuqing.config import load_config
    from yuqing.nlp.analyzer import PostAnalyzer

    _ANALYZER = PostAnalyzer.from_config(load_config(config_dir))
    warm_analyzer(_ANALYZER)


def _adopt(analyzer) -> None:
    """A forked worker's initializer: the crawl process's warm analyzer is its own copy."""
    global _ANALYZER
    _ANALYZER = analyzer


def _analyze(titles: list[str], texts: list[str]):
    if _ANALYZER is None:  # pragma: no cover - the pool's initializer sets it
        raise RuntimeError("NLP worker used before its initializer ran")
    return _ANALYZER.analyze_texts(titles, texts)


def start_pool(cfg, workers: int, analyzer=None) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` analysers (None when 0): forked from ``analyzer``, a warm
    :class:`~yuqing.nlp.analyzer.PostAnalyzer` of this process (call before the reactor or
    any other thread starts: the workers are forked here, at once), or else spawned, loading
    the models from ``cfg`` in the background."""
    if workers <= 0:
        return None
    if analyzer is not None and "fork" in multiprocessing.get_all_start_methods():
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_adopt,
            initargs=(analyzer,),
        )
    else:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init,
            initargs=(str(cfg.dir),),
        )
    for _ in range(workers):  # start every worker now (a spawned one loads its models)
        pool.submit(_analyze, [], [])
    return pool


def analyze_in(pool: ProcessPoolExecutor, titles: list[str], texts: list[str]):
    return pool.submit(_analyze, titles, texts)


def extract_page(
    body: bytes,
    charset: str | None,
    encoding: str | None,
    url: str,
    selectors: dict | None,
    tz: str,
):
    """A detail page decoded and extracted, as the html spider does it in the crawl process
    (``SourceSpider.text_of``, then ``extract_article``)."""
    from yuqing.crawlers.extraction import decode_html, extract_article

    html, _encoding = decode_html(body, charset, encoding)
    return extract_article(html, url, selectors, tz=tz)


def extract_in(pool: ProcessPoolExecutor, *args):
    """:func:`extract_page` in a worker of ``pool`` (a future of its ``Extracted``)."""
    return pool.submit(extract_page, *args)
