"""SQLite, the default engine: one connection per process, WAL, and the file read
through a memory map rather than a read() per page the cache lacks."""
from sqlalchemy import text

from lianxin.db import SQLITE_MMAP_BYTES, make_engine


def pragma(engine, name):
    with engine.connect() as connection:
        return connection.execute(text(f"PRAGMA {name}")).scalar()


def test_a_sqlite_database_is_read_through_a_memory_map_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/intake.db")
    assert pragma(engine, "mmap_size") == SQLITE_MMAP_BYTES
    assert pragma(engine, "journal_mode") == "wal"
    assert pragma(engine, "synchronous") == 1          # NORMAL
