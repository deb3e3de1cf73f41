"""Admin commands: ``flask --app wiki <command>``.

Each command parses its arguments, opens a session, calls the domain and
echoes; errors are printed as one clear line and a non-zero exit.
"""

from __future__ import annotations

import fcntl
import sys
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from wiki import ROOT, accounts, auth, content_io, db, revisions, textstore
from wiki.errors import WikiError
from wiki.models import Article, Revision, Role, version_table_options

MIGRATIONS = ROOT / "migrations"


def _alembic_config(connection: Any) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def schema_is_current(app: Flask) -> bool:
    """Whether the database is at the newest migration."""
    head = ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
    with db.database(app).engine.connect() as conn:
        return MigrationContext.configure(conn, opts=version_table_options(conn)).get_current_revision() == head


def ensure_schema_current(app: Flask) -> None:
    """Upgrade the schema if it is behind, once: concurrent starters wait on a lock file."""
    if schema_is_current(app):
        return
    lock_path = Path(app.config["INSTANCE_DIR"]) / "migrate.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # workers on this host; PostgreSQL adds an advisory lock
        try:
            if not schema_is_current(app):
                upgrade_schema(app)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade_schema(app: Flask) -> None:
    """Create or upgrade the schema to the newest migration (idempotent)."""
    engine = db.database(app).engine
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Several workers or hosts may start at once: one migrates, the others wait.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(727170)")
        alembic_command.upgrade(_alembic_config(conn), "head")


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except WikiError as exc:
            raise click.ClickException(exc.message) from None

    return wrapper


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic); safe to run again."""
    upgrade_schema(current_app)
    click.echo("The database schema is up to date.")


@click.command("import-content")
@with_appcontext
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@_fail_cleanly
def import_content_command(directory: Path | None) -> None:
    """Import Markdown articles (YAML front matter) from DIRECTORY (default: content/); idempotent."""
    directory = directory or Path(current_app.config["CONTENT_DIR"])
    if not directory.is_dir():
        raise click.ClickException(f"{directory} is not a directory.")
    files, errors = content_io.read_dir(directory)
    if errors:
        for error in errors:
            click.echo(f"error: {error}", err=True)
        raise click.ClickException(
            f"{len(errors)} file(s) cannot be imported; nothing was imported. Fix them and rerun."
        )
    if not files:
        raise click.ClickException(f"No .md files in {directory}.")
    counts = import_files(files)
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items()) + ".")


def import_files(files: list[content_io.ArticleFile], *, show_progress: bool = True) -> dict[str, int]:
    session = db.session()
    policy = auth.edit_policy()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with click.progressbar(files, label="Importing", show_pos=True, file=None if show_progress else _Null()) as bar:
        created = []
        for item in bar:
            try:
                outcome = content_io.import_file(session, item, policy=policy, rerender=False)
            except WikiError as exc:
                session.rollback()
                raise click.ClickException(f"{item.path.name}: {exc.message}") from None
            counts[outcome] += 1
            if outcome == "created":
                created.append(item.title)
    content_io.finish_import(session, created)
    _drain_search()
    return counts


class _Null:
    def write(self, _text: str) -> None:
        pass

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@click.command("export-content")
@with_appcontext
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_content_command(directory: Path) -> None:
    """Write every article's approved text to DIRECTORY as Markdown with front matter."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, text in content_io.iter_export(db.session()):
        (directory / name).write_text(text, encoding="utf-8")
        count += 1
    click.echo(f"Exported {count} articles to {directory}.")


@click.command("fsck")
@with_appcontext
def fsck_command() -> None:
    """Rebuild every stored revision and check it against its SHA-256."""
    session = db.session()
    total = session.scalar(select(Revision.id).order_by(Revision.id.desc()).limit(1)) or 0
    bad: list[str] = []
    checked = 0
    texts: dict[int, str] = {}
    rows = session.execute(
        select(Revision.id, Revision.article_id, Revision.parent_id, Revision.storage, Revision.content,
               Revision.sha256).order_by(Revision.article_id, Revision.id)
    )
    with click.progressbar(length=total, label="Checking revisions", show_pos=True) as bar:
        current_article = None
        for row in rows:
            if row.article_id != current_article:
                texts, current_article = {}, row.article_id
            try:
                parent_text = texts.get(row.parent_id) if row.storage == "delta" else None
                if row.storage == "delta" and parent_text is None:
                    parent_text = revisions.load_text(session, row.parent_id, use_cache=False)
                text = textstore.unpack(row.storage, row.content, parent_text)
            except (ValueError, WikiError) as exc:
                bad.append(f"revision {row.id}: cannot be rebuilt ({exc})")
                bar.update(1)
                continue
            if textstore.sha256(text) != row.sha256:
                bad.append(f"revision {row.id}: text does not match its SHA-256")
            texts = {row.id: text}  # children follow their parent in id order
            checked += 1
            bar.update(1)
    for line in bad:
        click.echo(line, err=True)
    click.echo(f"Checked {checked + len(bad)} revisions: {len(bad)} mismatches.")
    if bad:
        sys.exit(1)


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from the database (beside the live one, then swapped in)."""
    from wiki import search
    from wiki.search import documents

    session = db.session()
    backend = search.get_backend()
    ids = session.scalars(select(Article.id).order_by(Article.id)).all()
    with click.progressbar(length=len(ids), label="Indexing", show_pos=True) as bar:

        def docs():
            for article_id in ids:
                doc = documents.document_for(session, session.get(Article, article_id))
                bar.update(1)
                if doc is not None:
                    yield doc

        count = backend.rebuild(docs())
    click.echo(f"Indexed {count} articles.")


@click.command("indexer")
@with_appcontext
@click.option("--interval", default=0.5, show_default=True, help="Seconds between outbox checks.")
def indexer_command(interval: float) -> None:
    """Keep the search index up to date (run one beside many gunicorn workers)."""
    from wiki import search
    from wiki.search import indexer

    app = current_app._get_current_object()
    stop = threading.Event()
    click.echo(f"Indexer running (every {interval}s); Ctrl-C stops it.")
    try:
        indexer.run_forever(db.database(app).sessionmaker, search.get_backend(), interval=interval, stop=stop)
    except KeyboardInterrupt:
        stop.set()
    click.echo("Indexer stopped.")


def _drain_search() -> None:
    from wiki import search

    search.drain_now(current_app)


user_cli = AppGroup("user", help="Create users and change their roles.")


@user_cli.command("create")
@click.argument("name")
@click.option("--role", default="editor", show_default=True,
              type=click.Choice(["editor", "clinician", "reviewer", "admin"], case_sensitive=False))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@click.option("--email", default=None)
@_fail_cleanly
def user_create_command(name: str, role: str, password: str, email: str | None) -> None:
    """Create the user NAME."""
    user = accounts.create_user(db.session(), name, password, role=Role.parse(role), email=email,
                                hash_method=auth.password_method())
    click.echo(f"Created {user.username} ({user.role.label}).")


@user_cli.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(["editor", "clinician", "reviewer", "admin"], case_sensitive=False))
@_fail_cleanly
def user_set_role_command(name: str, role: str) -> None:
    """Give the user NAME the role ROLE."""
    session = db.session()
    user = accounts.get_user(session, name)
    accounts.set_role(session, user, Role.parse(role), actor=None)
    click.echo(f"{user.username} is now {user.role.label}.")


token_cli = AppGroup("token", help="API tokens.")


@token_cli.command("create")
@click.argument("name")
@click.option("--label", default="", help="What the token is for.")
@_fail_cleanly
def token_create_command(name: str, label: str) -> None:
    """Print a new API token for the user NAME (last line of output)."""
    session = db.session()
    user = accounts.get_user(session, name)
    token = accounts.create_token(session, user, label=label)
    click.echo(f"API token for {user.username} (shown once; keep it secret):")
    click.echo(token)


def init_app(app: Flask) -> None:
    for cmd in (init_db_command, import_content_command, export_content_command, fsck_command,
                reindex_command, indexer_command, user_cli, token_cli):
        app.cli.add_command(cmd)
