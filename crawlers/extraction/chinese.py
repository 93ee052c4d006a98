"""Traditional → Simplified conversion (OpenCC), with the converter built once."""

from __future__ import annotations

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


def looks_traditional(text: str, threshold: float = 0.05) -> bool:
    """True when a noticeable share of the CJK characters change under t2s conversion."""
    cjk = [c for c in text[:5000] if "\u4e00" <= c <= "\u9fff"]
    if len(cjk) < 2:
        return False
    converted = to_simplified("".join(cjk))
    changed = sum(a != b for a, b in zip(cjk, converted, strict=False))
    return changed / len(cjk) >= threshold
