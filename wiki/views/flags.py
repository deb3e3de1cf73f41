"""Inaccuracy reports in the browser: the report form, the reviewers' list, and the Corrections page.

Thin: ``wiki.flags`` files, lists, resolves and dismisses reports and enforces
who may; ``wiki.stats`` computes the figures and ``wiki.charts`` draws them.
This module parses the forms and presents. Reports are open to anonymous
visitors, so the form's POST is rate-limited by address here (the domain has
its own per-reporter and per-article guards, and cannot see addresses).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from wiki import articles, auth, charts, db, flags, permissions, stats
from wiki.errors import Conflict, InvalidInput
from wiki.forms import DismissFlagForm, ReportForm, ResolveFlagForm, show_by_field
from wiki.models import FlagStatus, utcnow
from wiki.permissions import Action
from wiki.talk import RateLimited
from wiki.views import params

# Ids a row can have; anything else in the path is an unknown URL (404), never an overflow.
ID = f"int(min=1, max={params.MAX_ID})"

bp = Blueprint("flags", __name__)

PAGE_SIZE = 50
BENCHMARK_SECONDS = 2 * 3600  # "corrected within two hours": the figure the page measures itself against
STATUS_CHOICES = ("open", "resolved", "dismissed", "all")


def _flag_limit() -> str:
    return current_app.config["FLAG_RATE_LIMIT"]


# ---------------------------------------------------------------- reporting

@bp.route("/wiki/<slug>/report", methods=["GET", "POST"])
@auth.limiter.limit(_flag_limit, methods=["POST"])
def report(slug: str) -> ResponseReturnValue:
    session = db.session()
    article = articles.get_by_slug(session, slug)
    actor = auth.current_actor()
    permissions.require(actor, Action.FLAG, article)
    form = ReportForm()
    if request.method == "GET":
        form.excerpt.data = request.args.get("excerpt", "")[:flags.MAX_EXCERPT]
        return render_template("flags/report.html", article=article, form=form)
    if not form.validate_on_submit():
        return render_template("flags/report.html", article=article, form=form), 400
    try:
        flags.report(session, article, reason=form.reason.data or "", excerpt=form.excerpt.data,
                     reporter=actor)
    except InvalidInput as exc:
        show_by_field(form, exc)
        return render_template("flags/report.html", article=article, form=form), 400
    except RateLimited as exc:
        form.form_errors.append(exc.message)
        return render_template("flags/report.html", article=article, form=form), 429
    thanks = "Thank you: your report has been sent to the reviewers."
    if actor.id is not None:
        thanks += " You are now watching this article, so you will hear when it is fixed."
    flash(thanks, "success")
    return redirect(url_for("pages.show", slug=article.slug))


# ---------------------------------------------------------------- the reviewers' list

@bp.get("/flags")
def list_flags() -> ResponseReturnValue:
    session = db.session()
    permissions.require(auth.current_actor(), Action.RESOLVE_FLAG)
    status = request.args.get("status", "open")
    if status not in STATUS_CHOICES:
        status = "open"
    page = params.page_arg()
    total = flags.count_flags(session, status=status)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    rows = flags.list_flags(session, status=status, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template("flags/list.html", rows=rows, total=total, status=status, page=page, pages=pages,
                           open_count=flags.count_flags(session, status=FlagStatus.OPEN),
                           resolve_form=ResolveFlagForm(), dismiss_form=DismissFlagForm(),
                           statuses=STATUS_CHOICES, now=utcnow())


@bp.post(f"/flags/<{ID}:flag_id>/resolve")
def resolve(flag_id: int) -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    permissions.require(actor, Action.RESOLVE_FLAG)
    form = ResolveFlagForm()
    if not form.validate_on_submit():
        flash("The revision must be a revision number, or left empty.", "error")
        return redirect(_back(flag_id))
    try:
        flag = flags.resolve(session, flag_id, actor=actor, revision_id=form.revision.data)
    except (InvalidInput, Conflict) as exc:
        flash(exc.message, "error")
        return redirect(_back(flag_id))
    flash(f"Report {flag.id} is closed as fixed by revision {flag.resolved_by_revision_id}.", "success")
    return redirect(_back(None))


@bp.post(f"/flags/<{ID}:flag_id>/dismiss")
def dismiss(flag_id: int) -> ResponseReturnValue:
    session = db.session()
    actor = auth.current_actor()
    permissions.require(actor, Action.RESOLVE_FLAG)
    form = DismissFlagForm()
    if not form.validate_on_submit():
        flash("The form expired; try again.", "error")
        return redirect(_back(flag_id))
    try:
        flag = flags.dismiss(session, flag_id, actor=actor, reason=form.reason.data or "")
    except (InvalidInput, Conflict) as exc:
        flash(exc.message, "error")
        return redirect(_back(flag_id))
    flash(f"Report {flag.id} is dismissed.", "success")
    return redirect(_back(None))


def _back(flag_id: int | None) -> str:
    url = url_for("flags.list_flags")
    return f"{url}#flag-{flag_id}" if flag_id else url


# ---------------------------------------------------------------- corrections

@bp.get("/corrections")
def corrections() -> ResponseReturnValue:
    summary = stats.corrections_summary(db.session())
    weeks = summary["weeks"]
    chart_args = {"empty_message": "Nothing to show yet"}
    return render_template(
        "stats/corrections.html",
        summary=summary,
        weeks=list(reversed(weeks)),  # the table reads newest first; the charts run left to right
        benchmark=BENCHMARK_SECONDS,
        corrections_chart=charts.weekly_bar_chart(
            weeks, value_key="corrections", title="Reports corrected each week", y_label="Corrections",
            chart_id="corrections", empty_message="No corrections yet"),
        correction_time_chart=charts.weekly_bar_chart(
            weeks, value_key="median_seconds_to_correction", title="Median time from report to fix, by week",
            y_label="Time to fix", chart_id="time-to-fix", **chart_args),
        review_time_chart=charts.weekly_bar_chart(
            weeks, value_key="median_seconds_to_review", title="Median time from edit to review, by week",
            y_label="Time to review", chart_id="time-to-review", **chart_args),
    )
