"""Item pipeline stages, in order: normalise -> skip unchanged -> NLP -> store."""

PIPELINES = {
    "crawlers.pipelines.normalize.NormalizePipeline": 100,
    "crawlers.pipelines.changes.ChangeDetectionPipeline": 200,
    "crawlers.pipelines.nlp.NLPPipeline": 300,
    "crawlers.pipelines.store.StorePipeline": 900,
}
