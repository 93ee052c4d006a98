"""URL canonicalisation: the post id is the hash of the canonical URL."""

from __future__ import annotations

from w3lib.url import canonicalize_url


def canonical(url: str) -> str:
    """Canonical form (sorted query, no fragment). API items addressed as ``#id=...`` keep
    their fragment, since it is what tells them apart."""
    return canonicalize_url(url, keep_fragments="#id=" in url)
