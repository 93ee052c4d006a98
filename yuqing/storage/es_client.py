"""Connecting to Elasticsearch from ``settings.storage.elasticsearch``, and telling an outage
from any other failure.

Secrets come only from the environment: the API key is ``$YUQING_ES_API_KEY`` (the base64
``id:api_key`` form Elasticsearch prints as ``encoded``). TLS: an ``https://`` URL, optionally
``ca_file`` (PEM) for a private CA; ``verify_certs: false`` is for a lab only.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, Elasticsearch

from yuqing.storage.base import StorageError

log = logging.getLogger(__name__)

API_KEY_ENV = "YUQING_ES_API_KEY"

#: Status codes that mean "the cluster is not serving right now" rather than "bad request".
_UNAVAILABLE = {502, 503, 504}


def client_options(settings: Any, base_dir: Path | None = None) -> dict[str, Any]:
    """Keyword arguments for ``Elasticsearch(...)``; raises StorageError on inconsistent
    settings, with the key to fix."""
    url: str = settings.url
    hosts = [url, *getattr(settings, "hosts", [])]
    for host in hosts:
        if not host.startswith(("http://", "https://")):
            raise StorageError(f"storage.elasticsearch.url {host!r}: use http(s)://host:port")
    if len({h.split("://", 1)[0] for h in hosts}) > 1:
        raise StorageError("storage.elasticsearch.hosts: use the url's scheme for every node")
    kw: dict[str, Any] = {
        "hosts": hosts,
        "request_timeout": settings.request_timeout,
        "max_retries": len(hosts),  # a request tries every node before it fails
        "retry_on_timeout": False,
    }
    if settings.ca_file:
        if not url.startswith("https://"):
            raise StorageError(
                "storage.elasticsearch.ca_file is set but the url is http://; use an https:// url"
            )
        ca = Path(settings.ca_file)
        if base_dir is not None and not ca.is_absolute():
            ca = base_dir / ca
        if not ca.is_file():
            raise StorageError(f"storage.elasticsearch.ca_file: no such file {ca}")
        kw["ca_certs"] = str(ca)
    if url.startswith("https://"):
        kw["verify_certs"] = settings.verify_certs
        if not settings.verify_certs:
            log.warning(
                "storage.elasticsearch.verify_certs is false: TLS certificates are not checked"
            )
    api_key = os.environ.get(API_KEY_ENV, "").strip()
    if api_key:
        if url.startswith("http://") and not url.startswith(("http://127.", "http://localhost")):
            log.warning("$%s is sent over plain http to %s; use https", API_KEY_ENV, url)
        kw["api_key"] = api_key
    return kw


def connect(settings: Any, base_dir: Path | None = None) -> Elasticsearch:
    # The transport logs every failed attempt with a traceback; we report outages ourselves,
    # one line each (see ElasticStore), so keep only its errors.
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    return Elasticsearch(**client_options(settings, base_dir))


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` means the cluster is unreachable or unavailable (spool and retry),
    False for errors that retrying will not fix (mapping, bad request...)."""
    if isinstance(exc, ConnectionError | ConnectionTimeout):
        return True
    return isinstance(exc, ApiError) and exc.meta.status in _UNAVAILABLE


def describe(exc: BaseException) -> str:
    """One line for logs and CLI errors."""
    if isinstance(exc, ConnectionTimeout):
        return "timed out"
    if isinstance(exc, ConnectionError):
        m = re.search(r"\[Errno -?\d+\] ([^)\]]+)", str(exc))
        return f"unreachable ({m.group(1)})" if m else "unreachable"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
