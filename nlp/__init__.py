"""The NLP stage: normalization, segmentation, category classifier, focus topics, negativity,
keywords, near-duplicates, events (hotness, bursts). Entry point: :class:`yuqing.nlp.pipeline.NLPStage`.
"""

from yuqing.nlp.errors import (
    ModelError,
    ModelFileError,
    ModelVersionError,
    NLPError,
    TrainingDataError,
)
from yuqing.nlp.settings import NLPSettings

__all__ = [
    "NLPError",
    "TrainingDataError",
    "ModelError",
    "ModelFileError",
    "ModelVersionError",
    "NLPSettings",
]
