"""Admin commands through Flask's CLI runner: schema, import/export, users, tokens, fsck."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import make_config
from wiki import ROOT, accounts, cli, create_app, db, revisions
from wiki.models import Article, Base, Revision, Role

CONTENT = ROOT / "content"


@pytest.fixture
def fresh_app(tmp_path):
    """An app whose database has no tables yet (init-db makes them)."""
    app = create_app(make_config(tmp_path))
    yield app
    db.database(app).engine.dispose()


def _invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input, catch_exceptions=False)


def test_init_db_is_idempotent_and_matches_the_models(fresh_app):
    for _ in range(2):
        result = _invoke(fresh_app, "init-db")
        assert result.exit_code == 0, result.output
    assert cli.schema_is_current(fresh_app)
    engine = db.database(fresh_app).engine
    inspector = sa.inspect(engine)
    migrated = {name: {c["name"] for c in inspector.get_columns(name)} for name in inspector.get_table_names()}
    migrated.pop("alembic_version")
    modelled = {name: {c.name for c in table.columns} for name, table in Base.metadata.tables.items()}
    assert migrated == modelled


def test_migrations_match_the_models_on_postgres(postgres_url, tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app(make_config(tmp_path, DATABASE_URL=postgres_url))
    cli.upgrade_schema(app)
    with db.database(app).engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.database(app).engine.dispose()
    assert diff == []


def test_import_content_loads_every_article_and_is_idempotent(fresh_app):
    _invoke(fresh_app, "init-db")
    files = sorted(p for p in CONTENT.glob("*.md"))
    result = _invoke(fresh_app, "import-content")
    assert result.exit_code == 0, result.output
    assert f"{len(files)} created" in result.output
    again = _invoke(fresh_app, "import-content")
    assert f"{len(files)} unchanged" in again.output
    with fresh_app.app_context():
        session = db.session()
        assert session.scalar(sa.select(sa.func.count(Article.id))) == len(files)
        assert session.scalar(sa.select(sa.func.count(Revision.id))) == len(files)
        asthma = session.scalar(sa.select(Article).where(Article.slug == "asthma"))
        assert asthma.title == "Asthma" and asthma.stable_revision_id == asthma.latest_revision_id


def test_export_then_import_round_trips_every_article(fresh_app, tmp_path):
    _invoke(fresh_app, "init-db")
    _invoke(fresh_app, "import-content")
    out = tmp_path / "export"
    assert _invoke(fresh_app, "export-content", str(out)).exit_code == 0
    with fresh_app.app_context():
        session = db.session()
        originals = {a.slug: (a.title, revisions.load_text(session, a.stable_revision_id))
                     for a in session.scalars(sa.select(Article))}
    other = create_app(make_config(tmp_path / "second"))
    _invoke(other, "init-db")
    result = _invoke(other, "import-content", str(out))
    assert result.exit_code == 0, result.output
    with other.app_context():
        session = db.session()
        copies = {a.slug: (a.title, revisions.load_text(session, a.latest_revision_id))
                  for a in session.scalars(sa.select(Article))}
    db.database(other).engine.dispose()
    assert copies == originals


@pytest.mark.parametrize("name, body, message", [
    ("bad-yaml.md", "---\ntitle: [unclosed\n---\nText\n", "not valid YAML"),
    ("empty.md", "---\ntitle: Empty\n---\n", "empty"),
    ("latin1.md", None, "not UTF-8"),
    ("html-title.md", "---\ntitle: <script>\n---\nText\n", "cannot contain"),
])
def test_a_bad_file_stops_the_import_and_changes_nothing(fresh_app, tmp_path, name, body, message):
    _invoke(fresh_app, "init-db")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.md").write_text("---\ntitle: Good\n---\nFine.\n")
    if body is None:
        (folder / name).write_bytes("---\ntitle: Caf\xe9\n---\nx\n".encode("latin-1"))
    else:
        (folder / name).write_text(body)
    result = fresh_app.test_cli_runner().invoke(args=["import-content", str(folder)])
    assert result.exit_code != 0
    assert message in result.output and name in result.output
    with fresh_app.app_context():
        assert db.session().scalar(sa.select(sa.func.count(Article.id))) == 0


def test_duplicate_titles_across_files_are_refused(fresh_app, tmp_path):
    _invoke(fresh_app, "init-db")
    (tmp_path / "a.md").write_text("---\ntitle: Gout\n---\nOne.\n")
    (tmp_path / "b.md").write_text("---\ntitle: GOUT\n---\nTwo.\n")
    result = fresh_app.test_cli_runner().invoke(args=["import-content", str(tmp_path)])
    assert result.exit_code != 0 and "also used by" in result.output


def test_user_create_set_role_and_token(fresh_app):
    _invoke(fresh_app, "init-db")
    result = _invoke(fresh_app, "user", "create", "ada", "--role", "reviewer", "--password", "a long password")
    assert result.exit_code == 0 and "Created ada (reviewer)" in result.output
    prompted = _invoke(fresh_app, "user", "create", "bob", input="another password\nanother password\n")
    assert prompted.exit_code == 0, prompted.output
    assert _invoke(fresh_app, "user", "set-role", "ADA", "admin").exit_code == 0
    token = _invoke(fresh_app, "token", "create", "ada", "--label", "laptop").output.strip().splitlines()[-1]
    with fresh_app.app_context():
        session = db.session()
        assert accounts.find_user(session, "ada").role == Role.ADMIN
        assert accounts.find_user_by_token(session, token).username == "ada"


@pytest.mark.parametrize("args, message", [
    (["user", "create", "x", "--password", "long enough password"], "username"),
    (["user", "create", "carol", "--password", "short"], "at least"),
    (["user", "set-role", "nobody", "admin"], "no user"),
    (["token", "create", "nobody"], "no user"),
])
def test_cli_errors_are_one_clear_line(fresh_app, args, message):
    _invoke(fresh_app, "init-db")
    result = fresh_app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output.lower() or message in result.output
    assert "Traceback" not in result.output


def test_fsck_passes_then_reports_a_corrupted_revision(fresh_app):
    _invoke(fresh_app, "init-db")
    _invoke(fresh_app, "import-content")
    ok = _invoke(fresh_app, "fsck")
    assert ok.exit_code == 0 and ": 0 mismatches" in ok.output
    with fresh_app.app_context():
        session = db.session()
        rev = session.scalar(sa.select(Revision).order_by(Revision.id).limit(1))
        rev.sha256 = "f" * 64
        session.commit()
        bad_id = rev.id
    result = fresh_app.test_cli_runner().invoke(args=["fsck"])
    assert result.exit_code == 1
    assert f"revision {bad_id}" in result.output and "1 mismatches" in result.output


def test_reindex_rebuilds_search(fresh_app):
    _invoke(fresh_app, "init-db")
    _invoke(fresh_app, "import-content")
    result = _invoke(fresh_app, "reindex")
    assert result.exit_code == 0, result.output
    assert "Indexed" in result.output


def test_import_linter_contract_holds():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(Path(ROOT) / "setup.cfg")) == 0


def test_ruff_finds_nothing():
    """One linter for the whole tree (configured in pyproject.toml)."""
    import shutil
    import subprocess
    import sys

    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists() and shutil.which("ruff") is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    result = subprocess.run([str(ruff) if ruff.exists() else "ruff", "check", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]


def test_the_app_migrates_a_new_database_when_it_starts(tmp_path):
    app = create_app(make_config(tmp_path, AUTO_MIGRATE=True))
    assert cli.schema_is_current(app)
    assert create_app(make_config(tmp_path, AUTO_MIGRATE=True)) is not None  # a second start: nothing to do
    db.database(app).engine.dispose()


def test_gunicorn_starts_on_a_new_instance_without_init_db(tmp_path):
    import json
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.gunicorn_server import free_port

    port = free_port()
    env = {**__import__("os").environ, "WIKI_INSTANCE_DIR": str(tmp_path), "WIKI_LOAD_CONTENT": "0"}
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}",
                             "wiki:create_app()"], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/articles").read())
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        assert body == {"articles": [], "total": 0}
    finally:
        proc.terminate()
        proc.wait(timeout=15)
