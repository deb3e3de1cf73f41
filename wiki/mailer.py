"""Sending notification e-mails after a request, from a background thread with its own session.

Web wiring only: the domain's ``watch.deliver_pending`` decides what is sent
and claims each row before sending, so several processes (gunicorn workers)
may run this side by side without mailing anything twice. With no
``SMTP_URL`` configured nothing here runs at all: no thread, no mail. A
request never waits on the mail server: after any request that may have
written (any method but GET, HEAD, OPTIONS) the thread is woken, and it
delivers on its own time. A failed delivery leaves the rows for the next wake.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask, request

log = logging.getLogger(__name__)

EXTENSION_KEY = "wiki.mailer"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    """Wake the mail thread after writing requests, when ``SMTP_URL`` is configured."""
    if not app.config.get("SMTP_URL"):
        return
    mailer = Mailer(app)
    app.extensions[EXTENSION_KEY] = mailer

    @app.teardown_request
    def _mail_after_write(_exc: BaseException | None) -> None:
        if request.method not in READ_METHODS:
            mailer.wake(app.config.get("SITE_URL") or request.url_root)


class Mailer:
    """One daemon thread per process, started on the first write (so after gunicorn forks)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._site_url = ""

    def wake(self, site_url: str) -> None:
        """Ask the thread to deliver what is pending; returns at once."""
        self._site_url = site_url
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="notification-mail", daemon=True)
                self._thread.start()
        self._event.set()

    def deliver_now(self) -> int:
        """Deliver pending notifications in this thread (the background loop, and tests). Commits."""
        from wiki import db, watch

        config = self._app.config
        with db.database(self._app).sessionmaker() as session:
            return watch.deliver_pending(session, config.get("SMTP_URL"),
                                         config.get("MAIL_FROM", "wiki@localhost"),
                                         site_url=self._site_url.rstrip("/"))

    def _run(self) -> None:
        while True:
            self._event.wait()
            self._event.clear()
            try:
                sent = self.deliver_now()
                if sent:
                    log.info("mailed notifications to %d users", sent)
            except Exception:  # noqa: BLE001 - keep the thread alive; unsent rows wait for the next wake
                log.exception("notification mail failed; will retry on the next change")
