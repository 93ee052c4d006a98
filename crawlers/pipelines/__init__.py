"""Item pipeline stages, in order: extract (in a worker) -> normalise -> skip unchanged -> NLP ->
store."""

PIPELINES = {
    "yuqing.crawlers.pipelines.extract.ExtractPipeline": 50,
    "yuqing.crawlers.pipelines.normalize.NormalizePipeline": 100,
    "yuqing.crawlers.pipelines.changes.ChangeDetectionPipeline": 200,
    "yuqing.crawlers.pipelines.nlp.NLPPipeline": 300,
    "yuqing.crawlers.pipelines.store.StorePipeline": 900,
}


class Stage:
    """A pipeline stage bound to one crawler (one source); ``self.spider`` is its spider."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider

    def spider_for(self, item):
        """The source spider ``item`` came from (a cluster worker runs many in one crawler)."""
        return self.crawler.spider.for_source(item.source_id)
