"""Load saved objects into Kibana: ``POST /api/saved_objects/_import?overwrite=true`` with the
NDJSON as a multipart ``file`` field, header ``kbn-xsrf: true`` and API-key auth
(``Authorization: ApiKey $YUQING_KIBANA_API_KEY``). Standard library only."""

from __future__ import annotations

import json
import os
import ssl
import uuid
from dataclasses import dataclass, field
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, urlopen

from yuqing.errors import YuqingError

API_KEY_ENV = "YUQING_KIBANA_API_KEY"


class KibanaError(YuqingError):
    """Kibana could not be reached or refused the request (one line, for the CLI)."""


@dataclass
class ImportResult:
    success: bool
    success_count: int
    errors: list[str] = field(default_factory=list)  # one line per failed object


def multipart(filename: str, content: bytes, boundary: str | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body with one ``file`` field; returns (body, content type)."""
    boundary = boundary or f"yuqing-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/ndjson\r\n\r\n"
    ).encode()
    return (
        head + content + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def import_url(base: str, space: str | None = None) -> str:
    base = base.rstrip("/")
    prefix = f"/s/{quote(space, safe='')}" if space and space != "default" else ""
    return f"{base}{prefix}/api/saved_objects/_import?overwrite=true"


def describe_error(err: dict) -> str:
    """One line for one failed object of an import response."""
    kind = err.get("error", {}).get("type", "unknown")
    line = f"{err.get('type', '?')} {err.get('id', '?')}"
    title = err.get("meta", {}).get("title") or err.get("title")
    if title:
        line += f" ({title})"
    line += f": {kind}"
    missing = err.get("error", {}).get("references") or []
    if missing:
        line += " — missing " + ", ".join(f"{r.get('type')}:{r.get('id')}" for r in missing)
    message = err.get("error", {}).get("message")
    if message:
        line += f" — {message}"
    return line.replace("\n", " ")


def import_objects(
    url: str,
    ndjson: bytes,
    api_key: str | None = None,
    space: str | None = None,
    timeout: float = 30.0,
    verify: bool = True,
) -> ImportResult:
    api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    body, ctype = multipart("yuqing.ndjson", ndjson)
    headers = {"kbn-xsrf": "true", "Content-Type": ctype, "Accept": "application/json"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    target = import_url(url, space)
    if not target.startswith(("http://", "https://")):
        raise KibanaError(f"not an http(s) URL: {url!r} (e.g. https://kibana.internal:5601)")
    context = None if verify else ssl._create_unverified_context()  # noqa: S323
    req = Request(target, data=body, headers=headers, method="POST")
    try:
        with urlopen(req, timeout=timeout, context=context) as resp:  # noqa: S310
            payload = resp.read()
    except HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        try:
            detail = json.loads(detail).get("message", detail)
        except (ValueError, AttributeError):
            pass
        hint = f" (set ${API_KEY_ENV})" if exc.code == 401 and not api_key else ""
        raise KibanaError(f"Kibana answered HTTP {exc.code}: {str(detail)[:300]}{hint}") from None
    except (URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise KibanaError(f"cannot reach Kibana at {url}: {reason}") from None
    try:
        data = json.loads(payload)
    except ValueError:
        raise KibanaError("Kibana answered with something that is not JSON") from None
    return ImportResult(
        success=bool(data.get("success")),
        success_count=int(data.get("successCount", 0)),
        errors=[describe_error(e) for e in data.get("errors", [])],
    )
