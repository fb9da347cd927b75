"""The benchmark data set: accounts and contacts bulk-loaded into a freshly migrated database.

The schema is made by the app itself (``guanxi.bootstrap.migrate`` on an empty SQLite file or
an empty PostgreSQL schema). Records are the demo's fake data (``guanxi.modules.customers``),
turned into column values by the app's field types and then into driver parameters by the
SQLAlchemy table's own type processors (on SQLite: scaled-integer decimals, 32-character hex
UUIDs, ISO date-times). They are bulk-loaded with ``executemany`` (SQLite) or ``COPY``
(PostgreSQL) while the secondary indexes are dropped; the indexes are then recreated from the
DDL the app made, so the final schema is exactly the app's. The global search index
(``gx_search``) is loaded alongside, each record's grams computed by the app's own
``record_grams``; on SQLite its FTS5 index is built in one pass at the end. A marker file
next to the data records size, seed and a fingerprint of the data: a rerun with the same
parameters reuses the database, after applying the app's newer migrations and, when the
app now declares different indexes, rebuilding them.

Every generated row was created before the data set's ``cutoff``; rows that benchmarks create
later are newer, which is how :func:`reset` removes them again.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from uuid import UUID

import psycopg
from sqlalchemy import Dialect, Table, delete, func, select
from sqlalchemy.schema import CreateIndex

from guanxi.bootstrap import migrate
from guanxi.kernel.db import Database
from guanxi.kernel.ids import uuid7
from guanxi.modules.customers import demo, fake
from guanxi.modules.customers.roles import GRANTS
from guanxi.platform.access import org
from guanxi.platform.access.tables import gx_api_token
from guanxi.platform.access.users import create_user
from guanxi.platform.metadata import counters
from guanxi.platform.metadata.fieldtypes import ADDRESS_PARTS, AutoNumberType, field_type
from guanxi.platform.metadata.model import FieldDef, ObjectDef, table_name_for
from guanxi.platform.metadata.registry import Registry, Snapshot
from guanxi.platform.process.tables import gx_outbox
from guanxi.platform.records.tables import gx_history
from guanxi.platform.records.validation import clean_row
from guanxi.platform.search import index as search_index
from guanxi.platform.search.index import record_grams, searchable_fields
from guanxi.platform.search.tables import FTS_TABLE, gx_search

DEFAULT_SEED = 20261123
DATA_VERSION = 3  # part of the data set fingerprint (see fingerprint()); 2: gx_search; 3: owners
MANAGERS = 10  # team leads under the sales director
REPS_PER_MANAGER = 10
ADMIN_EMAIL = "bench-admin@example.com"
HISTORY = timedelta(days=730)  # created_at is spread over the two years before the cutoff
CHUNK = 5_000  # accounts (and their contacts) per load transaction
CHECK_EVERY = 997  # every n-th generated record is also run through the app's clean_row
OBJECTS = ("account", "contact")

Kind = Literal["sqlite", "postgresql"]
Log = Callable[[str], None]


def fingerprint() -> str:
    """A hash of what the data set is made of: a change there rebuilds cached data sets.

    It covers the standard objects' declarations and a sample of the records the demo's
    generator makes from a fixed seed, so a refactoring of the app leaves the cache alone
    but a change to the fake data or the fields does not. Changes to this module's own
    row building are not detected: bump ``DATA_VERSION`` for those.
    """
    from guanxi.modules.customers.objects import ACCOUNT, CONTACT

    rng = random.Random(DEFAULT_SEED)
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    sample: list[Any] = [DATA_VERSION]
    for decl in (ACCOUNT, CONTACT):
        sample.append(decl.spec.model_dump(mode="json"))
        sample.append([f.model_dump(mode="json") for f in decl.fields])
        sample.append(decl.name_field)
    for serial in range(1, 201):
        payload, domain = account_payload(rng, serial, moment)
        contact = contact_payload(rng, serial, UUID(int=serial), domain, serial % 2 == 0)
        sample += [payload, contact]
    encoded = json.dumps(sample, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


def log_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Spec:
    """How much data, from which seed."""

    accounts: int
    contacts_per_account: int = 2
    seed: int = DEFAULT_SEED

    @property
    def contacts(self) -> int:
        return self.accounts * self.contacts_per_account


@dataclass(frozen=True)
class Target:
    """One database to benchmark: a SQLite file or a PostgreSQL schema."""

    kind: Kind
    url: str
    schema: str | None = None

    @classmethod
    def sqlite(cls, data_dir: Path, spec: Spec) -> Target:
        path = data_dir.resolve() / (
            f"guanxi-{spec.accounts}x{spec.contacts_per_account}-{spec.seed}.db"
        )
        return cls("sqlite", f"sqlite:///{path}")

    @classmethod
    def postgresql(cls, url: str, schema: str) -> Target:
        return cls("postgresql", url, schema)

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    @property
    def sqlite_path(self) -> Path:
        assert self.kind == "sqlite"
        return Path(self.url.removeprefix("sqlite:///"))

    @property
    def libpq_url(self) -> str:
        """The URL for psycopg itself (no SQLAlchemy driver suffix)."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    def database(self) -> Database:
        return Database(self.url, schema=self.schema)

    def marker(self, data_dir: Path) -> Path:
        if self.kind == "sqlite":
            return self.sqlite_path.with_suffix(".json")
        return data_dir.resolve() / f"postgresql-{self.schema}.json"

    def connect_pg(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.libpq_url, options=f"-c search_path={self.schema},public")

    def connect_sqlite(self) -> sqlite3.Connection:
        # Autocommit mode: transactions are explicit BEGIN/COMMIT, as in the app.
        return sqlite3.connect(self.sqlite_path, isolation_level=None, check_same_thread=False)


@dataclass(frozen=True)
class People:
    """Who owns the records: a sales director over ``MANAGERS`` team leads, each over
    ``REPS_PER_MANAGER`` reps. Leads and reps hold the customers module's "Sales rep" role
    (scope "own and subordinates", annual revenue hidden); the director holds "Sales
    director" (the sales department and its children). Records go round-robin to the leads
    and reps, so a lead's scope covers 1 / ``MANAGERS`` of them and a rep's 1 / owners."""

    director: UUID
    leads: list[UUID]
    reps: list[UUID]  # team by team: reps[i * REPS_PER_MANAGER:(i + 1) * …] report to leads[i]

    @property
    def owners(self) -> list[UUID]:
        return self.reps + self.leads

    def team(self, lead: int = 0) -> list[UUID]:
        """The user ids a lead's "own and subordinates" scope covers (the lead first)."""
        first = lead * REPS_PER_MANAGER
        return [self.leads[lead], *self.reps[first : first + REPS_PER_MANAGER]]

    def to_json(self) -> dict[str, Any]:
        return {
            "director": str(self.director),
            "leads": [str(u) for u in self.leads],
            "reps": [str(u) for u in self.reps],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> People:
        return cls(
            director=UUID(data["director"]),
            leads=[UUID(u) for u in data["leads"]],
            reps=[UUID(u) for u in data["reps"]],
        )


@dataclass(frozen=True)
class Dataset:
    """A generated data set, as recorded in its marker file."""

    target: Target
    spec: Spec
    cutoff: datetime
    admin_id: UUID
    generated_at: str
    load_seconds: float
    size_bytes: int
    indexes: str = ""  # fingerprint of the index definitions the data set carries
    people: People | None = None  # the sales organisation that owns the records

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": fingerprint(),
            "target": asdict(self.target),
            "spec": asdict(self.spec),
            "cutoff": self.cutoff.isoformat(),
            "admin_id": str(self.admin_id),
            "generated_at": self.generated_at,
            "load_seconds": self.load_seconds,
            "size_bytes": self.size_bytes,
            "indexes": self.indexes,
            "people": self.people.to_json() if self.people else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Dataset:
        return cls(
            target=Target(**data["target"]),
            spec=Spec(**data["spec"]),
            cutoff=datetime.fromisoformat(data["cutoff"]),
            admin_id=UUID(data["admin_id"]),
            generated_at=data["generated_at"],
            load_seconds=float(data["load_seconds"]),
            size_bytes=int(data["size_bytes"]),
            indexes=str(data.get("indexes", "")),
            people=People.from_json(data["people"]) if data.get("people") else None,
        )


# -- records --------------------------------------------------------------------------------


def account_payload(
    rng: random.Random, serial: int, last_activity: datetime
) -> tuple[dict[str, Any], str]:
    """An account as the API takes it (the demo's generator), and its e-mail domain."""
    row, company = demo.account_row(rng, serial)
    row["last_activity_at"] = last_activity.isoformat()
    return row, company.email.split("@")[1]


def contact_payload(
    rng: random.Random, serial: int, account_id: UUID, domain: str, primary: bool
) -> dict[str, Any]:
    """A contact as the API takes it, shaped like the demo's contacts."""
    p = fake.person(rng, serial, domain)
    return {
        "name": p.name,
        "account": str(account_id),
        "title": p.title,
        "mobile": p.mobile,
        "email": p.email,
        "gender": p.gender,
        "is_primary": primary,
        "wechat": p.email.split("@")[0].replace(".", "_"),
    }


class RowBuilder:
    """Turns API payloads of one object into complete column rows, as the records service does.

    The field types' own ``to_columns`` produce the columns. Values are converted directly
    (the fake data is already in canonical form) because the app's ``clean_row`` validates
    e-mails and phone numbers slowly; every ``CHECK_EVERY``-th record is also run through
    ``clean_row`` and must give the same values.
    """

    def __init__(self, snap: Snapshot, object_name: str) -> None:
        self.obj: ObjectDef = snap.object(object_name)
        self.table: Table = snap.table(object_name)
        self.stored: list[FieldDef] = [
            f for f in self.obj.active_fields if field_type(f.type).stored
        ]
        self.columns: list[str] = [c.name for c in self.table.columns]
        self.auto_numbers: list[FieldDef] = [f for f in self.stored if f.type == "auto_number"]
        self.searchable: list[FieldDef] = searchable_fields(self.obj)

    def search_entry(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The record's ``gx_search`` row, as the records service writes it."""
        grams = record_grams(self.searchable, row)
        if grams is None:
            return None
        return {"object_name": self.obj.name, "record_id": row["id"], "grams": grams}

    def values(self, payload: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, raw in payload.items():
            f = self.obj.get_field(name)
            assert f is not None, f"{self.obj.name} has no field {name}"
            values[name] = _canonical(f, raw)
        return values

    def check(self, payload: dict[str, Any], values: dict[str, Any]) -> None:
        cleaned, errors = clean_row(self.obj, payload, creating=True)
        if errors:
            raise AssertionError(f"the app rejects a generated {self.obj.name}: {errors}")
        if cleaned != values:
            raise AssertionError(
                f"generated {self.obj.name} differs from clean_row: {values} != {cleaned}"
            )

    def row(
        self,
        values: dict[str, Any],
        *,
        record_id: UUID,
        created_at: datetime,
        owner_id: UUID | None,
        serial: int,
    ) -> dict[str, Any]:
        """All columns of one record, system columns filled as the service fills them."""
        row: dict[str, Any] = {
            "id": record_id,
            "version": 1,
            "created_at": created_at,
            "created_by_id": owner_id,
            "updated_at": created_at,
            "updated_by_id": owner_id,
            "owner_id": owner_id,
            "deleted_at": None,
        }
        for f in self.auto_numbers:
            ftype = field_type(f.type)
            assert isinstance(ftype, AutoNumberType)
            values[f.name] = ftype.render(f, serial, created_at.date())
        for f in self.stored:
            row.update(field_type(f.type).to_columns(f, values.get(f.name)))
        return row


def _canonical(f: FieldDef, raw: Any) -> Any:
    """What ``clean_row`` makes of an already-canonical value of the fake data."""
    if raw is None:
        return None
    if f.type == "currency":
        scale = Decimal(1).scaleb(-int(f.opt("scale", 2)))
        return {"amount": Decimal(raw["amount"]).quantize(scale), "currency": raw["currency"]}
    if f.type == "datetime":
        return datetime.fromisoformat(raw)
    if f.type == "date":
        return date.fromisoformat(raw)
    if f.type == "lookup":
        return UUID(raw)
    if f.type == "address":
        return {part: raw.get(part) or None for part in ADDRESS_PARTS}
    if f.type == "tags":
        return list(raw) or None
    return raw


def engine_dialect(target: Target) -> Dialect:
    """The dialect the app's engine uses for the target (no connection is opened)."""
    db = target.database()
    try:
        return db.engine.dialect
    finally:
        db.dispose()


def bind_processors(table: Table, dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    """The table's own parameter conversion for a dialect, column by column."""
    return [c.type.dialect_impl(dialect).bind_processor(dialect) for c in table.columns]


def to_params(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    processors: Sequence[Callable[[Any], Any] | None],
) -> list[tuple[Any, ...]]:
    pairs = list(zip(columns, processors, strict=True))
    return [
        tuple(
            row[name] if proc is None or row[name] is None else proc(row[name])
            for name, proc in pairs
        )
        for row in rows
    ]


# -- bulk loading -----------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def insert_sql(table: Table, columns: Sequence[str] | None = None) -> str:
    names = list(columns or [c.name for c in table.columns])
    cols = ", ".join(_quote(c) for c in names)
    marks = ", ".join("?" for _ in names)
    return f"INSERT INTO {_quote(table.name)} ({cols}) VALUES ({marks})"


def copy_sql(table: Table, columns: Sequence[str] | None = None) -> str:
    cols = ", ".join(_quote(c) for c in (columns or [c.name for c in table.columns]))
    return f"COPY {_quote(table.name)} ({cols}) FROM STDIN"


# gx_search without its key, which the database numbers.
SEARCH_COLUMNS = ("object_name", "record_id", "grams")


def search_processors(dialect: Dialect) -> list[Callable[[Any], Any] | None]:
    return [
        gx_search.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in SEARCH_COLUMNS
    ]


def sqlite_load(conn: sqlite3.Connection, table: Table, params: list[tuple[Any, ...]]) -> None:
    conn.executemany(insert_sql(table), params)


def pg_copy(cur: psycopg.Cursor[Any], table: Table, params: list[tuple[Any, ...]]) -> None:
    with cur.copy(copy_sql(table)) as copy:
        for row in params:
            copy.write_row(row)


def _sqlite_secondary_indexes(conn: sqlite3.Connection, tables: list[str]) -> list[tuple[str, str]]:
    marks = ", ".join("?" for _ in tables)
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({marks}) ORDER BY name",
        tables,
    ).fetchall()
    return [(str(name), str(sql)) for name, sql in rows]


def _pg_secondary_indexes(
    cur: psycopg.Cursor[Any], schema: str, tables: list[str]
) -> list[tuple[str, str]]:
    cur.execute(
        """
        SELECT ic.relname, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_class t ON t.oid = i.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = %s AND t.relname = ANY(%s) AND NOT i.indisprimary
        ORDER BY ic.relname
        """,
        (schema, tables),
    )
    return [(str(name), str(ddl)) for name, ddl in cur.fetchall()]


# -- generation -------------------------------------------------------------------------------


@dataclass
class Batch:
    accounts: list[dict[str, Any]]
    contacts: list[dict[str, Any]]
    search: list[dict[str, Any]]


def generate_batches(
    spec: Spec, cutoff: datetime, owners: list[UUID], accounts: RowBuilder, contacts: RowBuilder
) -> Iterator[Batch]:
    """All rows of the data set, ``CHUNK`` accounts (with their contacts) at a time."""
    rng = random.Random(spec.seed)
    start = cutoff - HISTORY
    step = HISTORY / spec.accounts
    contact_serial = 0
    for first in range(1, spec.accounts + 1, CHUNK):
        batch = Batch([], [], [])
        for serial in range(first, min(first + CHUNK, spec.accounts + 1)):
            created = start + step * (serial - 1 + rng.random())
            last_activity = created + (cutoff - created) * rng.random()
            payload, domain = account_payload(rng, serial, last_activity)
            values = accounts.values(payload)
            if serial % CHECK_EVERY == 1:
                accounts.check(payload, values)
            account_id = uuid7()
            owner_id = owners[serial % len(owners)]  # a contact has its account's owner
            account_row = accounts.row(
                values,
                record_id=account_id,
                created_at=created,
                owner_id=owner_id,
                serial=serial,
            )
            batch.accounts.append(account_row)
            if entry := accounts.search_entry(account_row):
                batch.search.append(entry)
            for n in range(spec.contacts_per_account):
                contact_serial += 1
                joined = min(
                    created + timedelta(seconds=rng.randrange(0, 30 * 86400)),
                    cutoff - timedelta(seconds=1),
                )
                cpayload = contact_payload(rng, contact_serial, account_id, domain, n == 0)
                cvalues = contacts.values(cpayload)
                if contact_serial % CHECK_EVERY == 1:
                    contacts.check(cpayload, cvalues)
                contact_row = contacts.row(
                    cvalues,
                    record_id=uuid7(),
                    created_at=joined,
                    owner_id=owner_id,
                    serial=contact_serial,
                )
                batch.contacts.append(contact_row)
                if entry := contacts.search_entry(contact_row):
                    batch.search.append(entry)
        yield batch


def _fresh_database(target: Target) -> None:
    if target.kind == "sqlite":
        path = target.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    assert target.schema
    with closing(target.connect_pg()) as conn:
        conn.autocommit = True
        conn.execute(f"DROP SCHEMA IF EXISTS {_quote(target.schema)} CASCADE")
        conn.execute(f"CREATE SCHEMA {_quote(target.schema)}")


def _prepare(target: Target, cutoff: datetime) -> tuple[UUID, People, RowBuilder, RowBuilder]:
    """Migrate the empty database as the app does; create the bench administrator and the
    sales organisation that owns the records (:class:`People`)."""
    db = target.database()
    at = cutoff - HISTORY - timedelta(days=1)
    try:
        migrate(db)
        with db.write() as conn:
            admin_id = create_user(
                conn,
                email=ADMIN_EMAIL,
                name="基准管理员 Bench Admin",
                password=None,
                now=at,
                is_admin=True,
            )
            snap = Registry().snapshot(conn)
            roles = {
                name: org.create_role(
                    conn,
                    snap,
                    name=name,
                    objects={o: dict(g) for o, g in GRANTS[name].objects.items()},
                    fields=dict(GRANTS[name].fields),
                    rights=[],
                    require_2fa=False,
                    description=None,
                    now=at,
                )
                for name in ("Sales rep", "Sales director")
            }
            sales = org.create_department(
                conn, name="销售中心 Sales", parent_id=None, head_id=None, now=at
            )

            def person(email: str, role: str, manager: UUID | None) -> UUID:
                user_id = create_user(
                    conn, email=email, name=email.split("@")[0], password=None, now=at
                )
                org.set_placement(conn, user_id, department_id=sales, manager_id=manager, now=at)
                org.set_roles(conn, user_id, [roles[role]])
                return user_id

            director = person("director@bench.example.com", "Sales director", None)
            leads = [
                person(f"lead{m}@bench.example.com", "Sales rep", director) for m in range(MANAGERS)
            ]
            reps = [
                person(f"rep{m}.{r}@bench.example.com", "Sales rep", leads[m])
                for m in range(MANAGERS)
                for r in range(REPS_PER_MANAGER)
            ]
        people = People(director=director, leads=leads, reps=reps)
        return admin_id, people, RowBuilder(snap, "account"), RowBuilder(snap, "contact")
    finally:
        db.dispose()


def upgrade(target: Target) -> None:
    """Apply the app's newer migrations to a cached data set (idempotent, as at start-up)."""
    db = target.database()
    try:
        migrate(db)
    finally:
        db.dispose()


def app_indexes(target: Target) -> dict[str, str]:
    """The B-tree indexes the app's current code declares for the two tables: name → DDL.

    (The trigram indexes for search are managed by the app's DDL code from the fields'
    ``searchable`` flags, which the data set fingerprint already covers.)
    """
    db = target.database()
    try:
        with db.read() as conn:
            snap = Registry().snapshot(conn)
            dialect = conn.dialect
        return {
            str(index.name): str(CreateIndex(index).compile(dialect=dialect))
            for name in OBJECTS
            for index in sorted(snap.table(name).indexes, key=lambda i: str(i.name))
        }
    finally:
        db.dispose()


def index_fingerprint(indexes: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(indexes, sort_keys=True).encode()).hexdigest()[:16]


def rebuild_indexes(target: Target, wanted: dict[str, str], log: Log) -> None:
    """Replace the tables' B-tree indexes with the ones the app declares now."""
    tables = [table_name_for(name) for name in OBJECTS]
    log(f"  {target.label}: the app's index definitions changed, rebuilding {len(wanted)}")
    if target.kind == "sqlite":
        with closing(target.connect_sqlite()) as lite:
            existing = _sqlite_secondary_indexes(lite, tables)
            lite.execute("BEGIN IMMEDIATE")
            for name, _ in existing:
                lite.execute(f"DROP INDEX {_quote(name)}")
            for ddl in wanted.values():
                lite.execute(ddl)
            lite.execute("COMMIT")
            lite.execute("ANALYZE")
            lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    assert target.schema
    with closing(target.connect_pg()) as conn, conn.cursor() as cur:
        existing = _pg_secondary_indexes(cur, target.schema, tables)
        for name, _ in existing:
            if not name.startswith("tg_"):
                cur.execute(f"DROP INDEX {_quote(target.schema)}.{_quote(name)}")
        cur.execute("SET maintenance_work_mem = '1GB'")
        for ddl in wanted.values():
            cur.execute(ddl)
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM (ANALYZE) o_account, o_contact")


def _progress(log: Log, what: str, done: int, total: int, started: float) -> None:
    elapsed = time.perf_counter() - started
    rate = done / elapsed if elapsed else 0.0
    eta = (total - done) / rate if rate else 0.0
    log(f"  {what}: {done:,}/{total:,} accounts, {rate:,.0f}/s, ~{eta:,.0f} s left")


def _load_sqlite(
    target: Target, spec: Spec, batches: Iterator[Batch], builders: list[RowBuilder], log: Log
) -> None:
    dialect = engine_dialect(target)
    procs = [bind_processors(b.table, dialect) for b in builders]
    search_procs = search_processors(dialect)
    search_sql = insert_sql(gx_search, SEARCH_COLUMNS)
    account_b, contact_b = builders
    with closing(target.connect_sqlite()) as conn:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-1048576")
        conn.execute("PRAGMA temp_store=MEMORY")
        indexes = _sqlite_secondary_indexes(conn, [b.table.name for b in builders] + ["gx_search"])
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {_quote(name)}")
        conn.execute("COMMIT")
        started = time.perf_counter()
        done = 0
        for batch in batches:
            conn.execute("BEGIN")
            sqlite_load(
                conn, account_b.table, to_params(batch.accounts, account_b.columns, procs[0])
            )
            sqlite_load(
                conn, contact_b.table, to_params(batch.contacts, contact_b.columns, procs[1])
            )
            conn.executemany(search_sql, to_params(batch.search, SEARCH_COLUMNS, search_procs))
            conn.execute("COMMIT")
            done += len(batch.accounts)
            if done % 100_000 < CHUNK:
                _progress(log, "sqlite", done, spec.accounts, started)
        log(f"  sqlite: recreating {len(indexes)} indexes and the full-text index")
        conn.execute("BEGIN")
        for _, ddl in indexes:
            conn.execute(ddl)
        # The FTS5 index (which the app writes along with gx_search) in one pass.
        t0 = time.perf_counter()
        conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
        conn.execute("COMMIT")
        log(f"    {FTS_TABLE}: {time.perf_counter() - t0:.1f} s")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _load_pg(
    target: Target, spec: Spec, batches: Iterator[Batch], builders: list[RowBuilder], log: Log
) -> None:
    dialect = engine_dialect(target)
    procs = [bind_processors(b.table, dialect) for b in builders]
    search_procs = search_processors(dialect)
    search_copy = copy_sql(gx_search, SEARCH_COLUMNS)
    account_b, contact_b = builders
    assert target.schema
    with closing(target.connect_pg()) as conn, conn.cursor() as cur:
        indexes = _pg_secondary_indexes(
            cur, target.schema, [b.table.name for b in builders] + ["gx_search"]
        )
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {_quote(target.schema)}.{_quote(name)}")
        conn.commit()
        started = time.perf_counter()
        done = 0
        for batch in batches:
            pg_copy(cur, account_b.table, to_params(batch.accounts, account_b.columns, procs[0]))
            pg_copy(cur, contact_b.table, to_params(batch.contacts, contact_b.columns, procs[1]))
            with cur.copy(search_copy) as copy:
                for row in to_params(batch.search, SEARCH_COLUMNS, search_procs):
                    copy.write_row(row)
            conn.commit()
            done += len(batch.accounts)
            if done % 100_000 < CHUNK:
                _progress(log, "postgresql", done, spec.accounts, started)
        log(f"  postgresql: recreating {len(indexes)} indexes")
        cur.execute("SET maintenance_work_mem = '1GB'")
        for name, ddl in indexes:
            t0 = time.perf_counter()
            cur.execute(ddl)
            conn.commit()
            log(f"    {name}: {time.perf_counter() - t0:.1f} s")
        conn.autocommit = True
        cur.execute("VACUUM (ANALYZE) o_account, o_contact, gx_search")


def database_size(target: Target) -> int:
    if target.kind == "sqlite":
        return sum(
            Path(f"{target.sqlite_path}{s}").stat().st_size
            for s in ("", "-wal")
            if Path(f"{target.sqlite_path}{s}").exists()
        )
    with closing(target.connect_pg()) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relkind = 'r'",
            (target.schema,),
        ).fetchone()
        return int(row[0]) if row else 0


def generate(target: Target, spec: Spec, data_dir: Path, log: Log = log_stderr) -> Dataset:
    """Build the data set from scratch (drops what was there) and write its marker."""
    log(f"generating {spec.accounts:,} accounts + {spec.contacts:,} contacts on {target.label}")
    started = time.perf_counter()
    marker = target.marker(data_dir)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    _fresh_database(target)
    cutoff = datetime.now(UTC).replace(microsecond=0)
    admin_id, people, accounts, contacts = _prepare(target, cutoff)
    batches = generate_batches(spec, cutoff, people.owners, accounts, contacts)
    loader = _load_sqlite if target.kind == "sqlite" else _load_pg
    loader(target, spec, batches, [accounts, contacts], log)
    db = target.database()
    try:
        with db.write() as conn:
            account_no = Registry().snapshot(conn).object("account").get_field("account_no")
            assert account_no is not None
            counters.set_last_issued(conn, account_no, spec.accounts)
    finally:
        db.dispose()
    dataset = Dataset(
        target=target,
        spec=spec,
        cutoff=cutoff,
        admin_id=admin_id,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        load_seconds=round(time.perf_counter() - started, 1),
        size_bytes=database_size(target),
        indexes=index_fingerprint(app_indexes(target)),
        people=people,
    )
    marker.write_text(json.dumps(dataset.to_json(), indent=2) + "\n")
    log(f"  done in {dataset.load_seconds:,.0f} s, {dataset.size_bytes / 2**20:,.0f} MiB")
    return dataset


def _cached(target: Target, spec: Spec, data_dir: Path, log: Log) -> Dataset | None:
    marker = target.marker(data_dir)
    try:
        data = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if data.get("fingerprint") != fingerprint():
        return None
    dataset = Dataset.from_json(data)
    if dataset.spec != spec or dataset.target != target:
        return None
    if target.kind == "sqlite" and not target.sqlite_path.exists():
        return None
    try:
        upgrade(target)  # the app's code may have moved on since the data set was made
        counts = reset(dataset)
        if counts != (spec.accounts, spec.contacts):
            return None
        wanted = app_indexes(target)
        if dataset.indexes != index_fingerprint(wanted):
            rebuild_indexes(target, wanted, log)
            dataset = replace(dataset, indexes=index_fingerprint(wanted))
            marker.write_text(json.dumps(dataset.to_json(), indent=2) + "\n")
    except Exception as exc:  # a half-made or foreign database: rebuild it
        log(f"  cannot reuse the {target.label} data set ({type(exc).__name__}: {exc})")
        return None
    return dataset


def ensure_dataset(
    target: Target, spec: Spec, data_dir: Path, *, force: bool = False, log: Log = log_stderr
) -> Dataset:
    """The data set for ``spec``: reused when its marker matches, generated otherwise."""
    if not force:
        cached = _cached(target, spec, data_dir, log)
        if cached is not None:
            log(f"reusing {target.label} data set ({cached.generated_at})")
            return cached
    return generate(target, spec, data_dir, log)


def reset(dataset: Dataset) -> tuple[int, int]:
    """Remove what benchmarks added (rows created after the cutoff, history, tokens).

    Returns the number of accounts and contacts left.
    """
    db = dataset.target.database()
    removed = 0
    try:
        with db.write() as conn:
            snap = Registry().snapshot(conn)
            for name in ("contact", "account"):
                table = snap.table(name)
                added = select(table.c.id).where(table.c.created_at >= dataset.cutoff)
                search_index.delete_rows(
                    conn, gx_search.c.object_name == name, gx_search.c.record_id.in_(added)
                )
                result = conn.execute(delete(table).where(table.c.created_at >= dataset.cutoff))
                removed += result.rowcount
            conn.execute(delete(gx_outbox))  # what the run left for the indexer
            conn.execute(delete(gx_history))
            conn.execute(delete(gx_api_token))
            account_no = snap.object("account").get_field("account_no")
            assert account_no is not None
            counters.set_last_issued(conn, account_no, dataset.spec.accounts)
            counts = tuple(
                int(conn.execute(select(func.count()).select_from(snap.table(n))).scalar() or 0)
                for n in ("account", "contact")
            )
    finally:
        db.dispose()
    if dataset.target.kind == "sqlite":
        with closing(dataset.target.connect_sqlite()) as sconn:
            sconn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elif removed:
        with closing(dataset.target.connect_pg()) as pconn:
            pconn.autocommit = True
            pconn.execute("VACUUM (ANALYZE) o_account, o_contact, gx_search")
    return counts[0], counts[1]
