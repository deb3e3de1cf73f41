"""Browser tests: a real wiki server on a free local port, driven by Playwright in Debian's chromium.

They skip, saying why, where chromium or Playwright's driver is missing; they
never fail for it. CSRF stays on here: the browser fills the real forms.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from tests.conftest import FAST_HASH, PASSWORD, make_config
from wiki import accounts, create_app, db, revisions
from wiki.models import Role

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.e2e


@dataclass
class LiveWiki:
    app: object
    url: str

    def create_user(self, name: str, role: Role = Role.EDITOR):
        with self.app.app_context():
            return accounts.create_user(db.session(), name, PASSWORD, role=role, hash_method=FAST_HASH)

    def create_article(self, title: str, text: str, author_name: str) -> None:
        with self.app.app_context():
            session = db.session()
            author = accounts.get_user(session, author_name)
            revisions.create_article(session, title, text, summary="Started the article", author=author,
                                     confirm_warnings=True)


@pytest.fixture
def live_wiki(tmp_path) -> Iterator[LiveWiki]:
    app = create_app(make_config(tmp_path, WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveWiki(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    db.database(app).engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); browser tests skip")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    try:
        manager = sync_playwright().start()
    except Exception as exc:  # noqa: BLE001 - the driver could not start here
        pytest.skip(f"Playwright's driver could not start: {exc}")
    try:
        instance = manager.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001
        manager.stop()
        pytest.skip(f"chromium could not be launched by Playwright: {exc}")
    yield instance
    instance.close()
    manager.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
