"""Admin pages: users (roles, clinician verification, blocks), the audit log, page protection, suppression.

Thin: ``wiki.accounts``, ``wiki.trust`` and ``wiki.revisions`` do the work,
enforce that only admins may and write the audit rows; ``wiki.audit`` lists
them. Each POST answers with a flash and a redirect back to the page it came
from; bad input is flashed rather than re-rendered, since these are one-field
forms on list pages.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from wiki import accounts, articles, audit, auth, db, permissions, revisions, trust
from wiki.errors import InvalidInput
from wiki.forms import BlockForm, ProtectForm, SetRoleForm, SuppressForm, UnblockForm, VerifyClinicianForm
from wiki.models import Role, User, utcnow
from wiki.permissions import Action
from wiki.views import params

# Ids a row can have; anything else in the path is an unknown URL (404), never an overflow.
ID = f"int(min=1, max={params.MAX_ID})"

bp = Blueprint("admin", __name__)

AUDIT_PAGE_SIZE = 100
USERS_PAGE_SIZE = 50
# The actions the domain audits (``audit.record`` callers), for the log's filter.
AUDIT_ACTIONS = ("approve", "reject", "resolve_flag", "dismiss_flag", "protect", "suppress", "block",
                 "unblock", "set_role", "verify_clinician", "hide_post", "unhide_post", "delete_account")


def _form_problem(form) -> str:
    if "csrf_token" in form.errors:
        return "The form expired; try again."
    return " ".join(e for errors in form.errors.values() for e in errors) or "Check the form and try again."


# ---------------------------------------------------------------- users

@bp.get("/admin/users")
def users() -> ResponseReturnValue:
    actor = auth.current_actor()
    permissions.require(actor, Action.SET_ROLE)
    # accounts.list_users has no paging yet: page over its answer here.
    everyone = accounts.list_users(db.session())
    pages = max(1, -(-len(everyone) // USERS_PAGE_SIZE))
    page = min(params.page_arg(), pages)
    shown = everyone[(page - 1) * USERS_PAGE_SIZE:page * USERS_PAGE_SIZE]
    return render_template("admin/users.html", users=shown, total=len(everyone), page=page, pages=pages,
                           now=utcnow(),
                           role_form=SetRoleForm(), verify_form=VerifyClinicianForm(), block_form=BlockForm(),
                           unblock_form=UnblockForm(), roles=[r for r in Role if r != Role.ANONYMOUS])


def _user_action(name: str, form, action: Action) -> tuple[User | None, str | None]:
    """The target user when the form is valid, else None and the problem (permission checked first)."""
    permissions.require(auth.current_actor(), action)
    user = accounts.get_user(db.session(), name)
    if not form.validate_on_submit():
        return None, _form_problem(form)
    return user, None


def _back_to(user: User | None, name: str) -> ResponseReturnValue:
    anchor = f"#user-{user.username_key}" if user is not None else ""
    return redirect(url_for("admin.users") + anchor)


@bp.post("/admin/users/<name>/role")
def set_role(name: str) -> ResponseReturnValue:
    form = SetRoleForm()
    user, problem = _user_action(name, form, Action.SET_ROLE)
    if user is None:
        flash(problem, "error")
        return _back_to(None, name)
    try:
        role = Role.parse(form.role.data or "")
    except ValueError as exc:
        flash(str(exc).capitalize() + ".", "error")
        return _back_to(user, name)
    accounts.set_role(db.session(), user, role, actor=auth.current_actor())
    flash(f"{user.username} is now {role.label}.", "success")
    return _back_to(user, name)


@bp.post("/admin/users/<name>/verify")
def verify(name: str) -> ResponseReturnValue:
    form = VerifyClinicianForm()
    user, problem = _user_action(name, form, Action.VERIFY)
    if user is None:
        flash(problem, "error")
        return _back_to(None, name)
    try:
        accounts.verify_clinician(db.session(), user, form.credential.data or "", actor=auth.current_actor())
    except InvalidInput as exc:
        flash(exc.message, "error")
        return _back_to(user, name)
    flash(f"{user.username} is a verified clinician: {user.credential}.", "success")
    return _back_to(user, name)


@bp.post("/admin/users/<name>/block")
def block(name: str) -> ResponseReturnValue:
    form = BlockForm()
    user, problem = _user_action(name, form, Action.BLOCK)
    if user is None:
        flash(problem, "error")
        return _back_to(None, name)
    until = utcnow() + timedelta(days=form.days.data)
    try:
        accounts.block(db.session(), user, until=until, reason=form.reason.data or "",
                       actor=auth.current_actor())
    except InvalidInput as exc:
        flash(exc.message, "error")
        return _back_to(user, name)
    days = form.days.data
    flash(f"{user.username} is blocked for {days} day{'' if days == 1 else 's'}.", "success")
    return _back_to(user, name)


@bp.post("/admin/users/<name>/unblock")
def unblock(name: str) -> ResponseReturnValue:
    form = UnblockForm()
    user, problem = _user_action(name, form, Action.BLOCK)
    if user is None:
        flash(problem, "error")
        return _back_to(None, name)
    accounts.unblock(db.session(), user, actor=auth.current_actor())
    flash(f"{user.username} is no longer blocked.", "success")
    return _back_to(user, name)


# ---------------------------------------------------------------- audit log

@bp.get("/admin/audit")
def audit_log() -> ResponseReturnValue:
    permissions.require(auth.current_actor(), Action.AUDIT)
    before = params.int_arg("before")
    action = request.args.get("action", "")
    action = action if action in AUDIT_ACTIONS else None
    rows = audit.list_events(db.session(), limit=AUDIT_PAGE_SIZE, before=before, action=action)
    return render_template("admin/audit.html", rows=rows, before=before, action=action, actions=AUDIT_ACTIONS,
                           older=rows[-1].id if len(rows) == AUDIT_PAGE_SIZE else None)


# ---------------------------------------------------------------- protection and suppression

@bp.post("/wiki/<slug>/protect")
def protect(slug: str) -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    permissions.require(actor, Action.PROTECT)
    article = articles.get_by_slug(session, slug)
    form = ProtectForm()
    if not form.validate_on_submit():
        flash(_form_problem(form), "error")
        return redirect(url_for("pages.show", slug=article.slug))
    try:
        level = trust.parse_protection(form.level.data or "")
    except InvalidInput as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.show", slug=article.slug))
    article = trust.set_protection(session, article, level, actor=actor)
    flash(f"Protection set: {trust.PROTECTION_LABELS[level].lower()} may edit this article.", "success")
    return redirect(url_for("pages.show", slug=article.slug))


@bp.post(f"/revisions/<{ID}:rev_id>/suppress")
def suppress(rev_id: int) -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    permissions.require(actor, Action.SUPPRESS)
    revision = revisions.get_revision(session, rev_id)
    slug = revision.article.slug
    form = SuppressForm()
    if not form.validate_on_submit():
        flash(_form_problem(form), "error")
        return redirect(url_for("history.history", slug=slug))
    try:
        revisions.suppress(session, rev_id, reason=form.reason.data or "", actor=actor)
    except InvalidInput as exc:
        flash(exc.message, "error")
        return redirect(url_for("history.history", slug=slug))
    flash(f"The text of revision {rev_id} is now hidden from everyone but admins. The history row stays.",
          "success")
    return redirect(url_for("history.history", slug=slug))
