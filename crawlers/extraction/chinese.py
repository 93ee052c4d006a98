"""Traditional → Simplified conversion (OpenCC), with the converter built once."""

from __future__ import annotations

import operator
import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional Chinese to Simplified (idempotent on Simplified text)."""
    if not text:
        return text or ""
    return _t2s().convert(text)


_CJK = re.compile(r"[\u4e00-\u9fff]+")


def looks_traditional(text: str, threshold: float = 0.05) -> bool:
    """True when a noticeable share of the CJK characters change under t2s conversion."""
    cjk = "".join(_CJK.findall(text[:5000]))
    if len(cjk) < 2:
        return False
    converted = to_simplified(cjk)
    if converted == cjk:  # Simplified text, the common case: nothing changed
        return False
    changed = sum(map(operator.ne, cjk, converted))
    return changed / len(cjk) >= threshold
