"""``nlp:`` settings. The models live with the other configuration models
(``yuqing/config/nlp_section.py``); this module is the NLP package's view of them."""

from yuqing.config.nlp_section import (  # noqa: F401
    BurstSettings,
    DedupSettings,
    EventSettings,
    HotnessWeights,
    NLPSettings,
)

__all__ = ["NLPSettings", "HotnessWeights", "BurstSettings", "DedupSettings", "EventSettings"]
