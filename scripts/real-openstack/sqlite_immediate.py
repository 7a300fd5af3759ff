"""SQLite write locking that several OpenStack processes can share.

oslo.db puts pysqlite in autocommit mode and sends a plain BEGIN itself. A plain
BEGIN is deferred: the transaction takes a read snapshot first and only asks for
the write lock at its first write. If another process committed in between,
SQLite cannot upgrade the stale snapshot and fails at once with "database is
locked" (the busy timeout does not help there). Nova's conductor hit that while
building many servers at once, leaving some stuck in BUILD.

Importing this module makes the *outermost* transaction of each (green)thread
start with BEGIN IMMEDIATE, so it waits for the write lock up front (for as long
as the busy timeout in the connection URL allows) instead of failing later.
Transactions opened while one is already open in the same thread (Keystone
validates tokens in a second session) stay deferred: two IMMEDIATE ones in one
thread would wait on each other. In WAL mode those readers never block.
"""
import threading

from sqlalchemy import event
from sqlalchemy.engine import Engine

_open = threading.local()  # greenthread-local once eventlet has patched threading
_MARK = "faultline_begin"


def _depth():
    return getattr(_open, "n", 0)


@event.listens_for(Engine, "begin")
def _begin(conn):
    if conn.dialect.name != "sqlite" or "in_transaction" in conn.info:
        return
    raw = conn.connection
    dbapi_conn = getattr(raw, "dbapi_connection", None) or raw.connection
    if dbapi_conn.isolation_level is not None:
        # pysqlite manages BEGIN itself: not an oslo.db engine, leave it alone.
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _depth() == 0 else "BEGIN")
    # oslo.db's own begin listener skips connections already in a transaction.
    conn.info["in_transaction"] = True
    conn.info[_MARK] = True
    _open.n = _depth() + 1


def _end(conn):
    if conn.info.pop(_MARK, None):
        _open.n = max(0, _depth() - 1)


event.listen(Engine, "commit", _end)
event.listen(Engine, "rollback", _end)
