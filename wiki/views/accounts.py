"""Accounts in the browser: log in, log out, register, and a contributor's page.

Logging in is rate-limited per address (``LOGIN_RATE_LIMIT``). ``next`` URLs
are followed only when they are paths on this site.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required, login_user, logout_user

from wiki import accounts, auth, db, people, recent
from wiki.errors import Conflict, Forbidden, InvalidInput, NotFound
from wiki.forms import DeleteAccountForm, LoginForm, ProfileForm, RegisterForm, show_by_field
from wiki.models import Role
from wiki.views import params

bp = Blueprint("accounts", __name__)

CONTRIBUTIONS_SHOWN = 50


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@auth.limiter.limit(_login_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = params.local_url(request.args.get("next"), "")
        if auth.current_user_row() is not None:
            return redirect(params.local_url(form.next.data))
        return render_template("accounts/login.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/login.html", form=form), 400
    user = accounts.authenticate(db.session(), form.username.data or "", form.password.data or "")
    if user is None:
        form.form_errors.append("The username or password is not right.")
        return render_template("accounts/login.html", form=form), 401
    login_user(auth.LoginUser(user))
    flash(f"You are logged in as {user.username}.", "success")
    return redirect(params.local_url(form.next.data))


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    flash("You have logged out.", "success")
    return redirect(url_for("pages.home"))


@bp.route("/register", methods=["GET", "POST"])
@auth.limiter.limit(_login_limit, methods=["POST"])
def register() -> ResponseReturnValue:
    if not current_app.config["OPEN_REGISTRATION"]:
        raise Forbidden("Registration is closed on this wiki: ask an administrator for an account.")
    form = RegisterForm()
    if request.method == "GET":
        form.next.data = params.local_url(request.args.get("next"), "")
        return render_template("accounts/register.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/register.html", form=form), 400
    try:
        user = accounts.create_user(db.session(), form.username.data or "", form.password.data or "",
                                    hash_method=auth.password_method())
    except (InvalidInput, Conflict) as exc:
        show_by_field(form, exc)
        return render_template("accounts/register.html", form=form), exc.status
    login_user(auth.LoginUser(user))
    flash(f"Welcome, {user.username}. You can edit articles now; a reviewer checks each change "
          "before readers see it.", "success")
    return redirect(params.local_url(form.next.data))


@bp.get("/user/<name>")
def user(name: str) -> ResponseReturnValue:
    session = db.session()
    person = accounts.get_user(session, name)
    if person.deleted_at is not None:
        raise NotFound(f"There is no user called {name!r}.")
    return render_template("accounts/user.html", person=person, Role=Role,
                           profile=people.profile(session, person, viewer=auth.current_actor(),
                                                  limit=CONTRIBUTIONS_SHOWN),
                           change_path=recent.change_path)


# ---------------------------------------------------------------- one's own account

@bp.route("/account", methods=["GET", "POST"])
@login_required
def account() -> ResponseReturnValue:
    """Edit one's display name and bio; links to exporting and deleting the account."""
    session = db.session()
    me = auth.current_user_row()
    form = ProfileForm()
    if request.method == "GET":
        form.display_name.data, form.bio.data, form.email.data = me.display_name, me.bio, me.email
        return render_template("accounts/account.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/account.html", form=form), 400
    try:
        people.update_profile(session, me, display_name=form.display_name.data, bio=form.bio.data, actor=me,
                              email=form.email.data)
    except (InvalidInput, Conflict) as exc:
        show_by_field(form, exc)
        return render_template("accounts/account.html", form=form), exc.status
    flash("Your profile is saved.", "success")
    return redirect(url_for("accounts.user", name=me.username))


@bp.get("/account/export")
@login_required
def export() -> ResponseReturnValue:
    """Everything held about the logged-in user, as a JSON download."""
    me = auth.current_user_row()
    data = people.export_user_data(db.session(), me, actor=me)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="asclepedia-{me.username}.json"',
        "Cache-Control": "no-store",
    })


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete() -> ResponseReturnValue:
    """Delete the logged-in user's account after they type their password."""
    session = db.session()
    me = auth.current_user_row()
    form = DeleteAccountForm()
    if request.method == "GET":
        return render_template("accounts/delete.html", form=form)
    if not form.validate_on_submit():
        return render_template("accounts/delete.html", form=form), 400
    if accounts.authenticate(session, me.username, form.password.data or "") is None:
        form.password.errors = [*form.password.errors, "That is not your password."]
        return render_template("accounts/delete.html", form=form), 403
    people.delete_account(session, me, actor=me)
    logout_user()
    flash("Your account is deleted. Your edits stay in the articles' history under a placeholder name.",
          "success")
    return redirect(url_for("pages.home"))
