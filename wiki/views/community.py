"""Community pages: recent changes and the Atom feeds, watching, notifications, and the lists.

Thin (STYLE.md 8): ``wiki.recent`` builds the change stream and the feed,
``wiki.watch`` keeps watchlists and notifications, ``wiki.lists`` answers the
lists. Views here read the query string into those functions' arguments and
present what they return. Marking notifications read and watching are the
only writes, each one domain command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from wiki import articles, auth, db, lists, recent, watch
from wiki.errors import InvalidInput, NotFound
from wiki.models import Role
from wiki.views import params

bp = Blueprint("community", __name__)

RECENT_PAGE = 50
FEED_SIZE = 50
NOTIFICATIONS_PAGE = 50
ROLES = ("editor", "clinician", "reviewer", "admin")
KIND_LABELS = {"revision": "Edits", "review": "Reviews", "flag": "Reports", "talk": "Talk posts"}
ATOM = "application/atom+xml"


# ---------------------------------------------------------------- recent changes

@dataclass(frozen=True)
class RecentFilters:
    """The filters of /recent as given in the query string (kept for links and the form)."""

    pending: bool
    category: str
    role: str
    hideown: bool
    dose: bool
    kinds: tuple[str, ...]
    before: datetime | None
    limit: int

    def args(self, **changes: object) -> dict[str, object]:
        """Query-string arguments for a link keeping these filters (``changes`` override)."""
        args: dict[str, object] = {
            "pending": "1" if self.pending else None, "category": self.category or None,
            "role": self.role or None, "hideown": "1" if self.hideown else None,
            "dose": "1" if self.dose else None,
            "kinds": ",".join(self.kinds) if set(self.kinds) != set(recent.KINDS) else None,
        }
        args.update(changes)
        return {key: value for key, value in args.items() if value}


def _flag(name: str) -> bool:
    return request.args.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _before_arg() -> datetime | None:
    raw = request.args.get("before", "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise InvalidInput("'before' must be a time such as 2026-11-24T09:00:00Z.", field="before") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _kinds_arg() -> tuple[str, ...]:
    wanted = [k.strip() for value in request.args.getlist("kinds") for k in value.split(",") if k.strip()]
    if not wanted:
        return recent.KINDS
    unknown = sorted(set(wanted) - set(recent.KINDS))
    if unknown:
        raise InvalidInput(f"Unknown kinds {', '.join(unknown)[:200]}; "
                           f"choose from {', '.join(recent.KINDS)}.", field="kinds")
    return tuple(k for k in recent.KINDS if k in wanted)


def _filters() -> RecentFilters:
    role = request.args.get("role", "").strip().lower()
    if role and role not in ROLES:
        raise InvalidInput(f"Unknown role {role[:40]!r}; choose from {', '.join(ROLES)}.", field="role")
    raw_limit = request.args.get("limit", "")
    limit = int(raw_limit) if raw_limit.isdigit() and 0 < int(raw_limit) <= recent.MAX_LIMIT else RECENT_PAGE
    return RecentFilters(
        pending=_flag("pending"), category=request.args.get("category", "").strip()[:200], role=role,
        hideown=_flag("hideown"), dose=_flag("dose"), kinds=_kinds_arg(), before=_before_arg(), limit=limit,
    )


def _changes(f: RecentFilters, *, limit: int, article_id: int | None = None,
             kinds: tuple[str, ...] | None = None) -> list[recent.Change]:
    actor = auth.current_actor()
    return recent.list_changes(
        db.session(), limit=limit, before=f.before, pending_only=f.pending, category=f.category or None,
        role=Role.parse(f.role) if f.role else None,
        exclude_user_id=actor.id if f.hideown and actor.id is not None else None,
        dose_only=f.dose, article_id=article_id, kinds=kinds or f.kinds, viewer=actor,
    )


@bp.get("/recent")
def recent_changes() -> ResponseReturnValue:
    f = _filters()
    changes = _changes(f, limit=f.limit)
    older = f.args(before=changes[-1].created_at.isoformat()) if len(changes) == f.limit else None
    return render_template(
        "community/recent.html", changes=changes, filters=f, older=older, change_path=recent.change_path,
        categories=articles.list_categories(db.session()), roles=ROLES, kind_labels=KIND_LABELS,
    )


def _feed(changes: list[recent.Change], title: str) -> Response:
    body = recent.atom_feed(changes, title=title, feed_url=request.url, site_url=request.url_root)
    return Response(body, mimetype=ATOM, headers={"Cache-Control": "public, max-age=60"})


@bp.get("/recent.atom")
def recent_feed() -> ResponseReturnValue:
    f = _filters()
    return _feed(_changes(f, limit=min(f.limit, FEED_SIZE)), "Asclepedia: recent changes")


@bp.get("/wiki/<slug>/history.atom")
def history_feed(slug: str) -> ResponseReturnValue:
    article = articles.get_by_slug(db.session(), slug)
    f = _filters()
    changes = _changes(f, limit=min(f.limit, FEED_SIZE), article_id=article.id, kinds=("revision", "review"))
    return _feed(changes, f"Asclepedia: history of {article.title}")


# ---------------------------------------------------------------- watching

def _back_to(slug: str) -> str:
    return params.local_url(request.form.get("next"), url_for("pages.show", slug=slug))


@bp.post("/wiki/<slug>/watch")
@login_required
def watch_article(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    watch.watch(session, auth.current_actor(), article)
    flash(f"You are watching {article.title}: you will be told about changes to it.", "success")
    return redirect(_back_to(article.slug))


@bp.post("/wiki/<slug>/unwatch")
@login_required
def unwatch_article(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    watch.unwatch(session, auth.current_actor(), article)
    flash(f"You are no longer watching {article.title}.", "success")
    return redirect(_back_to(article.slug))


# ---------------------------------------------------------------- notifications

@bp.get("/notifications")
@login_required
def notifications() -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    before = params.int_arg("before")
    items = watch.list_notifications(session, actor, limit=NOTIFICATIONS_PAGE, before=before)
    return render_template(
        "community/notifications.html", items=items, before=before,
        older=items[-1].id if len(items) == NOTIFICATIONS_PAGE else None,
        unread=watch.unread_count(session, actor), watched=watch.list_watched(session, actor),
    )


@bp.get("/notifications/<int:note_id>")
@login_required
def open_notification(note_id: int) -> ResponseReturnValue:
    """Mark one notification read and go where it points."""
    session = db.session()
    actor = auth.current_actor()
    # Look it up among the reader's own, so nobody can open (or learn of) another's.
    item = next(iter(watch.list_notifications(session, actor, limit=1, before=note_id + 1)), None)
    if item is None or item.id != note_id:
        raise NotFound(f"You have no notification {note_id}.")
    watch.mark_read(session, actor, [note_id])
    return redirect(watch.notification_path(item))


@bp.post("/notifications/read")
@login_required
def mark_all_read() -> ResponseReturnValue:
    changed = watch.mark_read(db.session(), auth.current_actor())
    flash(f"Marked {changed} notification{'' if changed == 1 else 's'} as read.", "success")
    return redirect(url_for("community.notifications"))


# ---------------------------------------------------------------- lists

@bp.get("/wiki/<slug>/links")
def what_links_here(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    return render_template("community/links.html", article=article,
                           rows=lists.what_links_here(session, article))


@bp.get("/special")
def special() -> ResponseReturnValue:
    return render_template("community/lists.html")


@bp.get("/special/wanted")
def wanted() -> ResponseReturnValue:
    return render_template("community/wanted.html", rows=lists.wanted_articles(db.session()))


@bp.get("/special/random")
def random_article() -> ResponseReturnValue:
    article = lists.random_article(db.session())
    if article is None:
        flash("There are no articles yet.", "info")
        return redirect(url_for("browse.all_articles"))
    response = redirect(url_for("pages.show", slug=article.slug))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/special/unreferenced")
def unreferenced() -> ResponseReturnValue:
    return render_template("community/unreferenced.html",
                           rows=lists.articles_without_references(db.session(), limit=500))


@bp.get("/special/stale")
def stale() -> ResponseReturnValue:
    return render_template("community/stale.html", rows=lists.stale_reviews(db.session()),
                           days=lists.STALE_AFTER.days)
