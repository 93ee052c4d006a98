"""The storage contract against the embedded SQLite backend, plus SQLite specifics."""

import sqlite3

import pytest

from tests.storage.contract import StoreContract, make_post
from yuqing.storage import StorageError
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
