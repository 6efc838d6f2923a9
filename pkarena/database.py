"""Engine and session handling for plain SQLAlchemy 2 (no Flask-SQLAlchemy)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

# Execution option: this transaction will write, so SQLite should take its write lock at BEGIN.
WRITE_INTENT = "pkarena_write_intent"


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite; no-op elsewhere)."""
    session.connection(execution_options={WRITE_INTENT: True})


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine; SQLite gets real BEGIN IMMEDIATE transactions and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        # pysqlite's own transaction handling defers BEGIN and upgrades locks late, which makes
        # concurrent read-then-write transactions fail; we issue BEGIN ourselves (SQLAlchemy docs
        # recipe) and take the write lock up front for transactions that ask for it (WRITE_INTENT).
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn) -> None:
            immediate = conn.get_execution_options().get(WRITE_INTENT)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    options = {"pool_pre_ping": True, **kwargs}
    if "poolclass" not in kwargs:  # NullPool (migrations, one-off scripts) takes no pool sizes
        options = {"pool_size": 10, "max_overflow": 20, **options}
    return create_engine(url, **options)


class Database:
    """One engine and a scoped session factory, bound to an app by `init_app`."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.session: scoped_session[Session] | None = None

    def configure(self, url: str) -> None:
        """Create the engine and session factories for `url`."""
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        self.session = scoped_session(self.session_factory)

    def init_app(self, app) -> None:
        """Bind to a Flask app: configure from its config and close sessions after requests."""
        self.configure(app.config["DATABASE_URL"])
        app.extensions["pkarena.db"] = self

        @app.teardown_appcontext
        def _remove_session(_exc) -> None:
            if self.session is not None:
                self.session.remove()

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A fresh session for a job or a thread, closed afterwards."""
        assert self.session_factory is not None, "database not configured"
        session = self.session_factory()
        try:
            yield session
        finally:
            session.close()


def fetch_tuples(connection: Connection, query: Select) -> list[tuple]:
    """Every row of `query` as a plain tuple (large reads: freezes, contest standings).

    On PostgreSQL the rows come straight from the driver's cursor, without building a SQLAlchemy Row for
    each (a third of a 100,000-row read's CPU).
    """
    if connection.dialect.name != "postgresql":
        return [tuple(row) for row in connection.execute(query)]
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    with connection.connection.driver_connection.cursor() as cursor:
        cursor.execute(str(compiled), compiled.params)
        return cursor.fetchall()


def fetch_all_tuples(bind: Engine, query: Select) -> list[tuple]:
    """`fetch_tuples` on a connection of its own (committed data; runs beside the caller's session)."""
    with bind.connect() as connection:
        return fetch_tuples(connection, query)
