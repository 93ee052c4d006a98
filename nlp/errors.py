"""Exceptions of the NLP stage.

::

    NLPError
    ├── TrainingDataError (also ValueError)   bad training/evaluation data: the message says
    │                                         which file, which row or column, and the fix
    └── ModelError
        ├── ModelFileError (also ValueError)  not a model file, or a damaged one
        └── ModelVersionError                 written by incompatible library versions
"""

from __future__ import annotations

__all__ = ["NLPError", "TrainingDataError", "ModelError", "ModelFileError", "ModelVersionError"]


class NLPError(Exception):
    """Base class of every error raised by ``nlp``."""


class TrainingDataError(NLPError, ValueError):
    """Training or evaluation data cannot be used (one line, names file and fix)."""


class ModelError(NLPError):
    """A model file cannot be used."""


class ModelFileError(ModelError, ValueError):
    """Not a Yuqing model file, or a damaged one."""


class ModelVersionError(ModelError):
    """The model was written by library versions this installation cannot load safely."""
