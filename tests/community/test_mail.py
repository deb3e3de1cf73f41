"""E-mail delivery of notifications, against a local aiosmtpd server the tests start."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.community.conftest import TEXT
from wiki import watch
from wiki.errors import InvalidInput
from wiki.models import Notification, utcnow


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's API)
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self):
        return [message_from_bytes(e.original_content or e.content) for e in self.envelopes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(**kwargs) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(), **kwargs)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    controller, inbox = _serve()
    yield f"smtp://127.0.0.1:{controller.port}", inbox
    controller.stop()


def _with_email(cast, user, address):
    user.email = address
    cast.session.commit()


def _edit_watched(cast, times: int = 1):
    """erin edits the article ``times`` times; eddie and rosa watch it."""
    watch.watch(cast.session, cast.editor2, cast.article)
    for n in range(times):
        cast.edit(cast.editor, TEXT + "x" * (n + 1) + "\n", summary=f"Edit {n}")


def test_no_smtp_url_sends_nothing(cast):
    _with_email(cast, cast.editor2, "eddie@example.org")
    _edit_watched(cast)
    assert watch.deliver_pending(cast.session, None, "wiki@example.org") == 0
    assert watch.deliver_pending(cast.session, "", "wiki@example.org") == 0
    assert cast.session.query(Notification).filter(Notification.emailed_at.is_not(None)).count() == 0


def test_unsent_notifications_are_mailed_once_to_users_with_an_address(cast, smtp):
    url, inbox = smtp
    _with_email(cast, cast.editor2, "eddie@example.org")  # rosa has no address
    _edit_watched(cast, times=2)
    sent = watch.deliver_pending(cast.session, url, "wiki@example.org", site_url="https://wiki.example.org")
    assert sent == 1
    assert [e.rcpt_tos for e in inbox.envelopes] == [["eddie@example.org"]]
    message = inbox.messages()[0]
    assert message["From"] == "wiki@example.org"
    assert message["Subject"] == "[Asclepedia] 2 new notifications"
    body = message.get_payload(decode=True).decode()
    assert "erin edited Asthma: Edit 0" in body and "erin edited Asthma: Edit 1" in body
    assert "https://wiki.example.org/wiki/asthma/diff?from=" in body
    cast.refresh()
    mailed = cast.session.query(Notification).filter(Notification.emailed_at.is_not(None)).all()
    assert {n.user_id for n in mailed} == {cast.editor2.id}
    assert watch.deliver_pending(cast.session, url, "wiki@example.org") == 0  # nothing twice
    assert len(inbox.envelopes) == 1


def test_read_and_old_notifications_are_not_mailed(cast, smtp):
    url, inbox = smtp
    _with_email(cast, cast.editor2, "eddie@example.org")
    _edit_watched(cast)
    watch.mark_read(cast.session, cast.editor2)
    assert watch.deliver_pending(cast.session, url, "wiki@example.org") == 0
    cast.edit(cast.editor, TEXT + "later\n")
    later = utcnow() + watch.MAIL_MAX_AGE + timedelta(hours=1)
    assert watch.deliver_pending(cast.session, url, "wiki@example.org", now=later) == 0
    assert inbox.envelopes == []


def test_a_single_notification_is_the_subject(cast, smtp):
    url, inbox = smtp
    _with_email(cast, cast.editor2, "eddie@example.org")
    _edit_watched(cast)
    watch.deliver_pending(cast.session, url, "wiki@example.org")
    assert inbox.messages()[0]["Subject"] == "[Asclepedia] erin edited Asthma: Edit 0 (awaiting review)"


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login_with_user_and_password_from_the_url(cast):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"wiki", b"s3cr:t")
        seen.append(ok)
        return AuthResult(success=ok)

    controller, inbox = _serve(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    try:
        _with_email(cast, cast.editor2, "eddie@example.org")
        _edit_watched(cast)
        url = f"smtp://wiki:s3cr%3At@127.0.0.1:{controller.port}"
        assert watch.deliver_pending(cast.session, url, "wiki@example.org") == 1
        assert seen == [True] and len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_an_unreachable_server_releases_the_claim_for_the_next_try(cast, smtp):
    url, inbox = smtp
    _with_email(cast, cast.editor2, "eddie@example.org")
    _edit_watched(cast)
    dead = f"smtp://127.0.0.1:{_free_port()}"
    assert watch.deliver_pending(cast.session, dead, "wiki@example.org") == 0
    cast.refresh()
    assert cast.session.query(Notification).filter(Notification.emailed_at.is_not(None)).count() == 0
    assert watch.deliver_pending(cast.session, url, "wiki@example.org") == 1


def test_deleted_users_get_no_mail(cast, smtp):
    from wiki import people

    url, inbox = smtp
    _with_email(cast, cast.editor2, "eddie@example.org")
    _edit_watched(cast)
    people.delete_account(cast.session, cast.editor2, actor=cast.editor2)
    assert watch.deliver_pending(cast.session, url, "wiki@example.org") == 0


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.org", ("mail.example.org", 25, False, False, None, None)),
    ("smtp://u:p%40ss@mail.example.org:587?starttls=1", ("mail.example.org", 587, False, True, "u", "p@ss")),
    ("smtps://mail.example.org", ("mail.example.org", 465, True, False, None, None)),
])
def test_parse_smtp_url(url, expected):
    s = watch.parse_smtp_url(url)
    assert (s.host, s.port, s.ssl, s.starttls, s.username, s.password) == expected


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtp://host:notaport",
                                 "mail.example.org"])
def test_bad_smtp_urls_are_refused(url):
    with pytest.raises(InvalidInput):
        watch.parse_smtp_url(url)
