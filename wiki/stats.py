"""Time-to-correction figures: how fast reported errors get fixed and edits get reviewed.

Definitions (the Corrections page and ``GET /api/v1/stats/corrections`` state them):

* **Time to correction** of a resolved report: from the report (``Flag.created_at``)
  to the approval (``Revision.reviewed_at``) of the revision that fixed it,
  falling back to the report's ``resolved_at`` when that approval time is
  unknown. Dismissed and open reports have none.
* **Time to review** of a revision: ``reviewed_at - created_at`` for approved
  or rejected revisions someone other than the author reviewed. Auto-approved
  edits (and the reverts a rejection appends) are reviewed by their own author
  and are left out: they would pull the median towards zero.
* **Weeks** are ISO weeks: they start on Monday at 00:00 UTC. A correction
  counts in the week it was made (the fix's approval), a review in the week
  it happened, a report in the week it was filed.
* **Percentiles** interpolate linearly between closest ranks (Hyndman & Fan
  type 7, the default of numpy and of ``statistics.quantiles(method="inclusive")``).

The pure functions come first and take plain values; ``corrections_summary``
is the one query. Nothing here writes. No Flask imports.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from wiki.models import Flag, FlagStatus, Revision, RevisionStatus, utcnow

DEFAULT_WEEKS = 12
MAX_WEEKS = 520


class FlagTimes(Protocol):
    """What the correction figures read of a report (a ``Flag`` or a result row)."""

    status: FlagStatus | str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_revision_id: int | None


class RevisionTimes(Protocol):
    """What the review figures read of a revision (a ``Revision`` or a result row)."""

    status: RevisionStatus | str
    created_at: datetime
    reviewed_at: datetime | None
    author_id: int | None
    reviewed_by_id: int | None


# ---------------------------------------------------------------- pure: numbers

def median(values: Iterable[float]) -> float | None:
    """The median of ``values``, or None when there are none (mean of the middle two for an even count)."""
    data = list(values)
    return float(statistics.median(data)) if data else None


def percentile(values: Iterable[float], p: float) -> float | None:
    """The ``p``-th percentile (0 ≤ p ≤ 100) of ``values`` by linear interpolation, or None when empty.

    With the values sorted as x[0] … x[n-1], the rank is h = (n - 1) · p / 100
    and the answer x[⌊h⌋] + (h - ⌊h⌋) · (x[⌊h⌋ + 1] - x[⌊h⌋]): p = 0 is the
    minimum, p = 50 the median, p = 100 the maximum, and one value is every
    percentile of itself.

    :raises ValueError: ``p`` is outside 0..100.
    """
    if not 0 <= p <= 100:  # also refuses NaN
        raise ValueError(f"percentile must be within 0..100, not {p}")
    data = sorted(values)
    if not data:
        return None
    rank = (len(data) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(data) - 1)
    return float(data[low] + (rank - low) * (data[high] - data[low]))


def whole_seconds(value: float | None) -> int | None:
    """``value`` rounded to whole seconds (None stays None): the figures' published unit."""
    return None if value is None else int(round(value))


# ---------------------------------------------------------------- pure: intervals

def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def corrected_at(
    flag: FlagTimes, fix_approved_at: Mapping[int, datetime | None] | None = None
) -> datetime | None:
    """When the error ``flag`` reported was corrected, or None if it was not (open or dismissed).

    ``fix_approved_at`` maps revision ids to their ``reviewed_at``; without an
    entry for the fixing revision the report's ``resolved_at`` stands in.
    """
    if FlagStatus(flag.status) != FlagStatus.RESOLVED:
        return None
    approved = None
    if fix_approved_at and flag.resolved_by_revision_id is not None:
        approved = fix_approved_at.get(flag.resolved_by_revision_id)
    return approved or flag.resolved_at


def corrections(
    flags: Iterable[FlagTimes], fix_approved_at: Mapping[int, datetime | None] | None = None
) -> list[tuple[datetime, float]]:
    """``(corrected_at, seconds from report to correction)`` for each resolved report, in the given order."""
    out = []
    for flag in flags:
        end = corrected_at(flag, fix_approved_at)
        if end is not None:
            out.append((end, _seconds(flag.created_at, end)))
    return out


def correction_times(
    flags: Iterable[FlagTimes], fix_approved_at: Mapping[int, datetime | None] | None = None
) -> list[float]:
    """Seconds from report to correction for each resolved report (see the module docstring)."""
    return [seconds for _, seconds in corrections(flags, fix_approved_at)]


def is_independent_review(revision: RevisionTimes) -> bool:
    """Whether someone other than its author approved or rejected ``revision``."""
    return (
        RevisionStatus(revision.status) in (RevisionStatus.APPROVED, RevisionStatus.REJECTED)
        and revision.reviewed_at is not None
        and revision.reviewed_by_id is not None
        and revision.reviewed_by_id != revision.author_id
    )


def reviews(revisions: Iterable[RevisionTimes]) -> list[tuple[datetime, float]]:
    """``(reviewed_at, seconds from edit to review)`` for each independently reviewed revision."""
    return [
        (rev.reviewed_at, _seconds(rev.created_at, rev.reviewed_at))
        for rev in revisions
        if is_independent_review(rev)
    ]


def review_times(revisions: Iterable[RevisionTimes]) -> list[float]:
    """Seconds from edit to review for each independently reviewed revision."""
    return [seconds for _, seconds in reviews(revisions)]


# ---------------------------------------------------------------- pure: weeks

def week_start(moment: datetime) -> date:
    """The Monday (UTC) of the ISO week holding ``moment``.

    :raises ValueError: ``moment`` is naive.
    """
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give times in UTC")
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def week_starts(now: datetime, weeks: int) -> list[date]:
    """The Mondays of the ``weeks`` weeks up to and including ``now``'s, oldest first."""
    last = week_start(now)
    return [last - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]


def bucket_by_week(items: Iterable[tuple[datetime, Any]], starts: Sequence[date]) -> dict[date, list[Any]]:
    """Group ``(moment, value)`` pairs by the week holding the moment; weeks not in ``starts`` are dropped."""
    buckets: dict[date, list[Any]] = {start: [] for start in starts}
    for moment, value in items:
        bucket = buckets.get(week_start(moment))
        if bucket is not None:
            bucket.append(value)
    return buckets


def summarize(
    *,
    open_flags: int,
    reported_at: Iterable[datetime],
    corrected: Sequence[tuple[datetime, float]],
    reviewed: Sequence[tuple[datetime, float]],
    now: datetime,
    weeks: int = DEFAULT_WEEKS,
) -> dict[str, Any]:
    """The figures from plain values: the contract's four keys plus ``weeks`` for the page.

    The four headline figures cover all time; ``weeks`` holds one entry per
    week, oldest first, each ``{"week_start": date, "reports", "corrections",
    "median_seconds_to_correction", "median_seconds_to_review"}`` (None where
    a week has no data). Seconds are whole.
    """
    correction_seconds = [s for _, s in corrected]
    review_seconds = [s for _, s in reviewed]
    starts = week_starts(now, weeks)
    reports_by_week = bucket_by_week(((m, 1) for m in reported_at), starts)
    corrections_by_week = bucket_by_week(corrected, starts)
    reviews_by_week = bucket_by_week(reviewed, starts)
    return {
        "open_flags": open_flags,
        "median_seconds_to_correction": whole_seconds(median(correction_seconds)),
        "p90_seconds_to_correction": whole_seconds(percentile(correction_seconds, 90)),
        "median_seconds_to_review": whole_seconds(median(review_seconds)),
        "weeks": [
            {
                "week_start": start,
                "reports": len(reports_by_week[start]),
                "corrections": len(corrections_by_week[start]),
                "median_seconds_to_correction": whole_seconds(median(corrections_by_week[start])),
                "median_seconds_to_review": whole_seconds(median(reviews_by_week[start])),
            }
            for start in starts
        ],
    }


# ---------------------------------------------------------------- the query

def corrections_summary(session: Session, *, now: datetime | None = None, weeks: int = DEFAULT_WEEKS) -> dict:
    """The wiki's correction figures (see ``summarize`` for the shape).

    ``open_flags``, ``median_seconds_to_correction``, ``p90_seconds_to_correction``
    and ``median_seconds_to_review`` are the API's keys (null when there is no
    data); ``weeks`` feeds the Corrections page and its charts.

    :raises ValueError: ``weeks`` is not within 1..520.
    """
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValueError(f"weeks must be within 1..{MAX_WEEKS}")
    now = now or utcnow()
    open_flags = session.scalar(select(func.count(Flag.id)).where(Flag.status == FlagStatus.OPEN)) or 0
    first_week = datetime.combine(week_starts(now, weeks)[0], datetime.min.time(), tzinfo=UTC)
    reported_at = session.scalars(select(Flag.created_at).where(Flag.created_at >= first_week)).all()
    resolved = session.execute(
        select(Flag.status, Flag.created_at, Flag.resolved_at, Flag.resolved_by_revision_id,
               Revision.reviewed_at.label("fix_approved_at"))
        .outerjoin(Revision, Revision.id == Flag.resolved_by_revision_id)
        .where(Flag.status == FlagStatus.RESOLVED)
    ).all()
    fix_approved_at = {row.resolved_by_revision_id: row.fix_approved_at for row in resolved
                       if row.resolved_by_revision_id is not None}
    reviewed_rows = session.execute(
        select(Revision.status, Revision.created_at, Revision.reviewed_at, Revision.author_id,
               Revision.reviewed_by_id)
        .where(
            Revision.status.in_([RevisionStatus.APPROVED, RevisionStatus.REJECTED]),
            Revision.reviewed_at.is_not(None),
            Revision.reviewed_by_id.is_not(None),
            or_(Revision.author_id.is_(None), Revision.author_id != Revision.reviewed_by_id),
        )
    ).all()
    return summarize(
        open_flags=open_flags,
        reported_at=reported_at,
        corrected=corrections(resolved, fix_approved_at),
        reviewed=reviews(reviewed_rows),
        now=now,
        weeks=weeks,
    )
