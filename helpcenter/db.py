"""Database: the engine, one session per request, and migrations (Alembic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event, make_url, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.schema import UniqueConstraint

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every model of the help centre."""


class UtcDateTime(TypeDecorator):
    """An instant: stored in UTC, read back as an aware UTC datetime on every database.

    SQLite keeps no time zone; without this, instants would come back naive.
    Naive datetimes are refused on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: instants must be aware")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current instant, aware, in UTC."""
    return dt.datetime.now(dt.UTC)


#: What every PostgreSQL connection asks for unless the URL says otherwise.
#: The URL may name several servers (``?host=a:5432&host=b:5432``, the two
#: sites); the help centre writes, so it takes the one that accepts writes,
#: and gives up on a server that does not answer within a few seconds.
POSTGRESQL_DEFAULTS = {"target_session_attrs": "read-write", "connect_timeout": "5"}


class Database:
    """The engine and session factory of one app.

    Pooled connections are tested before use, so that after a failover
    those to the lost primary are dropped and replaced by connections to
    the new one, without a restart.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        options: dict = {"future": True}
        if url.startswith("sqlite"):
            options["connect_args"] = {"check_same_thread": False}
        elif url.startswith("postgresql"):
            given = make_url(url).query
            options["connect_args"] = {key: value for key, value in POSTGRESQL_DEFAULTS.items() if key not in given}
        self.engine: Engine = create_engine(url, pool_pre_ping=True, **options)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def increment_counter(session: Session, model: type[Base], *, by: int = 1, **keys) -> None:
    """Add ``by`` to the ``count`` of the row of ``model`` with these keys, creating it at 0.

    Two requests that create the same row at once collide on its unique
    constraint; the loser counts on the winner's row.
    """
    increment_counters(session, model, [(keys, by)])


#: Databases that add to a row or create it in one statement (``INSERT … ON CONFLICT DO UPDATE``).
_UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def increment_counters(session: Session, model: type[Base], increments: Iterable[tuple[dict, int]]) -> None:
    """Add to the counts of several rows of ``model`` in one transaction (see :func:`increment_counter`).

    Where the database can, and the keys are those of one of the model's
    unique constraints, all rows are added to in one statement run for each
    row (a few milliseconds for hundreds of rows, where reading each row
    first took a fraction of a second, holding up the requests of the
    process meanwhile); otherwise each row is read, then added to.
    """
    increments = list(increments)
    if not increments:
        return
    upsert = _UPSERTS.get(session.get_bind().dialect.name)
    names = set(increments[0][0])
    if upsert is not None and all(keys.keys() == names for keys, _by in increments) and _unique_keys(model, names):
        _upsert_counters(session, model, upsert, sorted(names), increments)
        return
    for _attempt in range(3):
        try:
            for keys, by in increments:
                row = session.scalars(select(model).filter_by(**keys)).first()
                if row is None:
                    row = model(**keys, count=0)
                    session.add(row)
                row.count += by
                if hasattr(row, "last_seen"):
                    row.last_seen = utcnow()
            session.commit()
            return
        except IntegrityError:
            session.rollback()
    raise RuntimeError(f"could not count {model.__name__} {[keys for keys, _by in increments][:3]}")


def _unique_keys(model: type[Base], names: set[str]) -> bool:
    """Whether ``names`` are exactly the columns of one of the model's unique constraints."""
    return any(
        isinstance(constraint, UniqueConstraint) and {column.name for column in constraint.columns} == names
        for constraint in model.__table__.constraints
    )


def _upsert_counters(session: Session, model: type[Base], upsert, names: list[str], increments: list) -> None:
    table = model.__table__
    now = utcnow()
    stamped = "last_seen" in table.columns
    # In the order of the keys, so that two processes adding to the same rows wait for each other
    # rather than deadlock.
    rows = sorted(
        ({**keys, "count": by, **({"last_seen": now} if stamped else {})} for keys, by in increments),
        key=lambda row: tuple(str(row[name]) for name in names),
    )
    statement = upsert(table)
    changes = {"count": table.c.count + statement.excluded.count}
    if stamped:
        changes["last_seen"] = statement.excluded.last_seen
    session.execute(statement.on_conflict_do_update(index_elements=names, set_=changes), rows)
    session.commit()


def database(app: Flask | None = None) -> Database:
    """The :class:`Database` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["helpcenter.db"]


def get_session() -> Session:
    """The database session of the current request, opened on first use."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close the request's session, rolling back anything left uncommitted."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def database_status(session: Session) -> str:
    """``ok`` when the database answers and accepts writes; otherwise what is wrong.

    A standby answers queries but refuses every write: a server that files
    tickets through it is not ready.
    """
    try:
        if session.get_bind().dialect.name != "postgresql":
            session.execute(text("SELECT 1"))
        elif session.execute(text("SHOW transaction_read_only")).scalar() == "on":
            return "read-only"
    except SQLAlchemyError as exc:
        session.rollback()
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def _alembic_config(db: Database) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = db.engine
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    """Apply the migrations up to ``revision``, creating the SQLite folder if needed."""
    db = database(app)
    if db.url.startswith("sqlite:///"):
        Path(db.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(_alembic_config(db), revision)


def downgrade(app: Flask, revision: str) -> None:
    """Undo the migrations after ``revision`` (``base``: all of them)."""
    command.downgrade(_alembic_config(database(app)), revision)


def write_revision(app: Flask, message: str) -> None:
    """Write a new migration from the difference between the models and the database."""
    command.revision(_alembic_config(database(app)), message=message, autogenerate=True)


def init_app(app: Flask) -> None:
    """Bind the database to ``app``: engine and request teardown."""
    app.extensions["helpcenter.db"] = Database(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)
