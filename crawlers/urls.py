"""URL canonicalisation: the post id is the hash of the canonical URL."""

from __future__ import annotations

from functools import lru_cache

from w3lib.url import canonicalize_url


@lru_cache(maxsize=8192)
def canonical(url: str) -> str:
    """Canonical form (sorted query, no fragment). API items addressed as ``#id=...`` keep
    their fragment, since it is what tells them apart. Cached: a crawl asks about each
    article URL three times or more (seen on its list page, the walk, the post's id)."""
    return canonicalize_url(url, keep_fragments="#id=" in url)
