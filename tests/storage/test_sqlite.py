"""The storage contract against the embedded SQLite backend, plus SQLite specifics."""

import sqlite3

import pytest

from tests.storage.contract import StoreContract, make_post
from yuqing.config import load_config
from yuqing.storage import SourceState, StorageError, open_store
from yuqing.storage.sqlite import SQLiteStore


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "store.db"


@pytest.fixture
def store(db_path):
    s = SQLiteStore(db_path)
    yield s
    try:
        s.close()
    except sqlite3.ProgrammingError:
        pass


@pytest.fixture
def reopen(db_path):
    return lambda: SQLiteStore(db_path)


class TestSQLiteContract(StoreContract):
    pass


def test_two_connections_see_each_others_writes(db_path):
    a, b = SQLiteStore(db_path), SQLiteStore(db_path)
    a.upsert_post(make_post())
    assert b.count_posts() == 1


def test_corrupt_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match="cannot open SQLite store"):
        SQLiteStore(bad)


def test_damaged_pages_surface_as_storage_errors(tmp_path):
    """A store that opens (header, schema and meta intact) but whose posts table is damaged:
    the read that meets the damage raises StorageError naming the file."""
    path = tmp_path / "s.db"
    with SQLiteStore(path) as store:
        store.save_source_state(SourceState("s"))
        store.upsert_post(make_post())
    db = sqlite3.connect(path)
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name='posts'").fetchone()[0]
    db.close()
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    data[(root - 1) * size : root * size] = b"\xa5" * size
    path.write_bytes(bytes(data))
    store = SQLiteStore(path)
    assert [s.source_id for s in store.iter_source_states()] == ["s"]
    with pytest.raises(StorageError, match=f"{path}: SQLite store: .*malformed"):
        list(store.iter_posts())
    with pytest.raises(StorageError, match="malformed"):
        store.get_post(make_post().id)
    store.close()


def test_other_sqlite_files_fail_the_same_way(tmp_path):
    from yuqing.alerts.outbox import Outbox
    from yuqing.storage.es_spool import Spool

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match=f"{bad}: cannot open alerts outbox: file is not a"):
        Outbox(bad)
    with pytest.raises(StorageError, match="cannot open the Elasticsearch spool"):
        Spool(bad)


def _config(tmp_path, storage_path):
    cfg = tmp_path / "config"
    cfg.mkdir(parents=True)
    (cfg / "settings.yaml").write_text(
        f"var_dir: var\nstorage: {{backend: sqlite, path: {storage_path}}}\n", encoding="utf-8"
    )
    return load_config(cfg)


def test_store_directory_must_exist_outside_var_dir(tmp_path):
    with pytest.raises(StorageError, match="directory .*elsewhere does not exist"):
        open_store(_config(tmp_path, "elsewhere/yuqing.db"))
    assert not (tmp_path / "elsewhere").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError, match="is not a directory"):
        open_store(_config(tmp_path / "b", "../file/yuqing.db"))


def test_store_directory_inside_var_dir_is_created(tmp_path):
    with open_store(_config(tmp_path, "var/stores/yuqing.db")) as store:
        assert store.count_posts() == 0
    assert (tmp_path / "var" / "stores" / "yuqing.db").is_file()


def test_a_version_1_store_is_upgraded_with_its_counts(tmp_path):
    from datetime import timedelta

    from tests.storage.contract import T0
    from yuqing.storage.sqlite import _dump

    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "INSERT INTO meta VALUES ('schema_version', '1');"
        "CREATE TABLE posts (id TEXT PRIMARY KEY, source_id TEXT NOT NULL, content_hash TEXT"
        " NOT NULL, updated_ts REAL NOT NULL, published_ts REAL, doc TEXT NOT NULL);"
        "CREATE TABLE events (id TEXT PRIMARY KEY, last_seen_ts REAL, doc TEXT NOT NULL);"
        'INSERT INTO events VALUES (\'e1\', 0, \'{"id": "e1", "title": "t", "hotness": 60}\');'
    )
    posts = [
        make_post(url=f"http://h/{i}", focus=["ecology"], sentiment=-0.5, event_id="e1")
        for i in range(3)
    ]
    for p in posts:
        p.updated_at = p.crawled_at
        db.execute(
            "INSERT INTO posts VALUES (?,?,?,?,?,?)",
            (p.id, p.source_id, p.content_hash, 0.0, 0.0, _dump(p.to_dict())),
        )
    db.commit()
    db.close()
    store = SQLiteStore(path)
    window = (T0 - timedelta(days=1), T0 + timedelta(days=1))
    assert store.tally("focus", *window)["ecology"].negative == 3
    assert store.tally("event", *window)["e1"].posts == 3
    assert store.get_post(posts[0].id).to_dict() == posts[0].to_dict()
    assert [e.id for e in store.iter_events(min_hotness=50)] == ["e1"]
    store.upsert_post(make_post(url="http://h/new"))
    assert store.count_posts() == 4 and store.change_mark().endswith(":1")


def test_a_version_2_store_gains_its_posts_places_and_keeps_its_counts(db_path):
    """v2 -> v3: every stored post's place is written and counted; the other counts and the
    posts stay as they were, and the store goes on counting exactly."""
    from datetime import timedelta

    from tests.storage.contract import PLACES, T0, aggregate_posts, expected_tally
    from yuqing.storage import sqlite_counts

    store = SQLiteStore(db_path)
    posts = aggregate_posts(store)
    span = (T0 - timedelta(days=3), T0 + timedelta(days=3))
    before = {by: store.tally(by, *span) for by in ("all", "focus", "region", "source")}
    store.db.executescript(  # what the previous program's store holds
        "DELETE FROM post_counts WHERE dim='place'; ALTER TABLE posts DROP COLUMN place;"
        "UPDATE meta SET value='2' WHERE key='schema_version';"
    )
    docs = {p.id: p.to_dict() for p in posts}
    store.close()
    store = SQLiteStore(db_path)
    assert store.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
        "3",
    )
    assert {p.id: p.to_dict() for p in store.iter_posts()} == docs
    assert {by: store.tally(by, *span) for by in before} == before
    for axis in ("posted", "collected"):
        got = store.tally("place", *span, axis=axis)
        want = expected_tally(posts, "place", *span, axis, "right", -0.2)
        assert {k: t.posts for k, t in got.items()} == {k: v[0] for k, v in want.items()}
        assert "临海市白水洋镇" in got and "临海市古城街道" in got and len(PLACES) == 6
    # a place counted by another version of the rules is taken back as it was counted
    p = posts[1]
    sqlite_counts.count(store.db, p, -1, dims=("place",))
    sqlite_counts.count(store.db, p, 1, dims=("place",), place="旧地名")
    store.db.execute("UPDATE posts SET place='旧地名' WHERE id=?", (p.id,))
    p.text += "（再更新）"
    p.__post_init__()
    store.upsert_post(p)
    got = store.tally("place", *span)
    want = expected_tally(posts, "place", *span, "posted", "right", -0.2)
    assert {k: t.posts for k, t in got.items()} == {k: v[0] for k, v in want.items()}
    store.close()


def test_iter_posts_reads_documents_a_batch_at_a_time(store):
    """A period's posts are yielded in order while only one batch of documents is read at a
    time (a 7-day window at 1 M posts is about 1.1 GB of JSON), and a caller that updates the
    posts it is given while iterating (reanalyze) sees each post once."""
    from datetime import timedelta

    from tests.storage.contract import T0
    from yuqing.storage.sqlite import _BATCH

    n = 2 * _BATCH + 7
    for i in range(n):
        store.upsert_post(make_post(url=f"http://h/{i}", crawled_at=T0 + timedelta(seconds=i)))
    store.flush()
    statements: list[str] = []
    store.db.set_trace_callback(statements.append)

    def doc_reads() -> list[str]:
        return [s for s in statements if s.startswith("SELECT id, doc FROM posts")]

    posts = store.iter_posts()
    seen = [next(posts).url]
    assert len(doc_reads()) == 1 and " IN (" in doc_reads()[0]  # one batch, by id
    for post in posts:  # change every post as it comes: it moves to the end of the order
        changed = make_post(url=post.url, text="已经恢复供水。", crawled_at=T0 + timedelta(days=1))
        assert store.upsert_post(changed) == "updated"
        seen.append(post.url)
    store.db.set_trace_callback(None)
    assert seen == [f"http://h/{i}" for i in range(n)]
    assert len(doc_reads()) == 3 and all(" IN (" in s for s in doc_reads())


def test_writes_are_one_transaction_seen_by_others_at_its_end(db_path):
    a, b = SQLiteStore(db_path), SQLiteStore(db_path)
    commits: list[str] = []
    a.db.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    with a.writes():
        for i in range(3):
            a.upsert_post(make_post(url=f"http://127.0.0.1/a/{i}.html"))
        a.save_source_state(SourceState("portal"))
        assert b.count_posts() == 0  # nothing visible before the end
    assert b.count_posts() == 3
    assert commits == ["COMMIT"]


def test_writes_roll_back_whole_on_an_exception(store):
    with pytest.raises(RuntimeError), store.writes():
        store.upsert_post(make_post())
        raise RuntimeError("boom")
    assert store.count_posts() == 0
    store.upsert_post(make_post())  # the connection is usable again
    assert store.count_posts() == 1


def test_a_failed_post_inside_writes_leaves_the_others(store, monkeypatch):
    from yuqing.storage import sqlite_counts

    real = sqlite_counts.count

    def count(db, post, sign):
        if post.url.endswith("/bad.html"):
            raise sqlite3.OperationalError("disk I/O error")
        return real(db, post, sign)

    monkeypatch.setattr(sqlite_counts, "count", count)
    with store.writes():
        store.upsert_post(make_post(url="http://127.0.0.1/a/1.html"))
        with pytest.raises(StorageError, match="disk I/O error"):
            store.upsert_post(make_post(url="http://127.0.0.1/a/bad.html"))
        store.upsert_post(make_post(url="http://127.0.0.1/a/2.html"))
    # the failed post's row (inserted before its counts failed) went with its savepoint
    assert sorted(p.url for p in store.iter_posts()) == [
        "http://127.0.0.1/a/1.html",
        "http://127.0.0.1/a/2.html",
    ]
