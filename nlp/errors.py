"""Exceptions of the NLP stage.

::

    YuqingError (yuqing.errors: the root of every expected failure)
    └── NLPError
        ├── TrainingDataError (also ValueError)   bad training/evaluation data: the message
        │                                         says which file, which row or column, and
        │                                         the fix
        ├── SegmenterBackendError (nlp.segment)   nlp.segmenter unknown or not installed
        ├── DictionaryFileError (nlp.segment)     a user dictionary or stopword file missing
        └── ModelError
            ├── ModelFileError (also ValueError)  not a model file, or a damaged one
            └── ModelVersionError                 written by incompatible library versions
"""

from __future__ import annotations

from yuqing.errors import YuqingError

__all__ = ["NLPError", "TrainingDataError", "ModelError", "ModelFileError", "ModelVersionError"]


class NLPError(YuqingError):
    """Base class of every error raised by ``yuqing.nlp``."""

    what = "nlp"


class TrainingDataError(NLPError, ValueError):
    """Training or evaluation data cannot be used (one line, names file and fix)."""


class ModelError(NLPError):
    """A model file cannot be used."""


class ModelFileError(ModelError, ValueError):
    """Not a Yuqing model file, or a damaged one."""


class ModelVersionError(ModelError):
    """The model was written by library versions this installation cannot load safely."""
