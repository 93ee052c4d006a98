"""The digest ledger in Elasticsearch, for a cluster: whichever node leads sees which digest
went to whom, so a leader change never sends a digest twice (``ledger`` is the single-machine
SQLite file; same methods, same meaning).

One small index ``<prefix>-digest-ledger``: ``sent:<digest>:<recipient>`` documents, created
with ``op_type=create`` once the SMTP server accepted the message, and ``state:last_day``.
Reads are real-time gets, so a record is visible to every node as soon as it is written.
"""

from __future__ import annotations

from elasticsearch import ConflictError, Elasticsearch, NotFoundError


class ElasticDigestLedger:
    def __init__(self, es: Elasticsearch, index: str):
        self.es = es
        self.index = index
        if not es.indices.exists(index=index):
            try:
                es.indices.create(
                    index=index,
                    settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                    mappings={"dynamic": "false", "properties": {}},
                    wait_for_active_shards="1",
                )
            except Exception as exc:  # noqa: BLE001 - created by another node meanwhile
                if "resource_already_exists" not in str(exc):
                    raise

    def close(self) -> None:
        self.es.close()

    def __enter__(self) -> ElasticDigestLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def was_sent(self, digest: str, recipient: str) -> bool:
        return self.es.exists(index=self.index, id=f"sent:{digest}:{recipient.lower()}").body

    def record_sent(self, digest: str, recipient: str, at: str) -> None:
        try:
            self.es.create(
                index=self.index, id=f"sent:{digest}:{recipient.lower()}", document={"at": at}
            )
        except ConflictError:
            return  # recorded already
        self.es.index(index=self.index, id="state:last_sent", document={"value": at})

    def last_sent(self) -> str | None:
        """When a digest was last sent to anyone (ISO), or None."""
        try:
            return self.es.get(index=self.index, id="state:last_sent")["_source"]["value"]
        except NotFoundError:
            return None

    @property
    def last_day(self) -> str | None:
        try:
            return self.es.get(index=self.index, id="state:last_day")["_source"]["value"]
        except NotFoundError:
            return None

    def set_last_day(self, day: str) -> None:
        self.es.index(index=self.index, id="state:last_day", document={"value": day})
        self.es.index(index=self.index, id="state:retry", document={"at": None, "attempts": 0})

    # -- retries of a failed scheduled run (as DigestLedger) -----------------------------
    def _retry(self) -> dict:
        try:
            return self.es.get(index=self.index, id="state:retry")["_source"]
        except NotFoundError:
            return {}

    @property
    def retry_at(self) -> str | None:
        return self._retry().get("at")

    @property
    def attempts(self) -> int:
        return int(self._retry().get("attempts") or 0)

    def set_retry(self, at: str, attempts: int) -> None:
        self.es.index(index=self.index, id="state:retry", document={"at": at, "attempts": attempts})


def open_elastic_ledger(cfg) -> ElasticDigestLedger:
    from yuqing.storage.es_client import connect

    settings = cfg.settings.storage.elasticsearch
    return ElasticDigestLedger(
        connect(settings, base_dir=cfg.path(".")), f"{settings.index_prefix}-digest-ledger"
    )
