# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The follow-up ladder in plain Python (DESIGN.md revision 3): when a routed lead's follow-up
is due, which leads are due for a reminder, which members a run pauses.

Datetimes are naive UTC, as Odoo stores them; local days go through ``routing.tz``.
"""
from bisect import bisect_right
from datetime import timedelta

from . import tz as tzs

# Take-backs are counted over this many days for the pause.
PAUSE_WINDOW_DAYS = 7


def clock_window(hours):
    """How far ahead working time is read to find a deadline ``hours`` working hours away: a
    working week is about a quarter of the hours of a week, plus a month for long leaves and
    holidays (Tết)."""
    return timedelta(days=31) + timedelta(hours=5 * hours)


def deadline(start, hours, clock=None):
    """The moment ``hours`` hours after ``start`` (naive UTC): on the wall clock, or in working
    hours of ``clock`` (a ``calendar.WorkClock``) when given. None when the clock's window holds
    fewer working hours than that (the caller falls back to the wall clock)."""
    if clock is None:
        return start + timedelta(hours=hours)
    remaining = hours * 3600.0
    index = max(bisect_right(clock.starts, start) - 1, 0)
    for interval_start, interval_end in clock.intervals[index:]:
        if interval_end <= start:
            continue
        interval_start = max(interval_start, start)
        span = (interval_end - interval_start).total_seconds()
        if span >= remaining:
            return interval_start + timedelta(seconds=remaining)
        remaining -= span
    return None


def due_date(moment, local_tz):
    """The day ``moment`` (naive UTC) falls on for a person of ``local_tz``: the activity's due
    date."""
    return tzs.to_local(moment, local_tz).date()


def worked_enough(start, now, hours, clock=None):
    """Whether ``hours`` hours passed between ``start`` and ``now`` (working hours of ``clock``
    when given), the same clock as the SLA's."""
    if clock is None:
        return now - start >= timedelta(hours=hours)
    return clock.seconds(start, now) >= hours * 3600.0


def to_pause(counts, thresholds):
    """The members a run pauses: those whose take-backs in the last ``PAUSE_WINDOW_DAYS`` reach
    their team's threshold with this run (the run made the N-th).

    :param counts: {(team_id, user_id): (take-backs before this run, take-backs with it)}
    :param thresholds: {team_id: N, 0 = never}
    :return: sorted [(team_id, user_id, take-backs with this run)]
    """
    paused = []
    for (team_id, user_id), (before, after) in sorted(counts.items()):
        limit = thresholds.get(team_id) or 0
        if limit and before < limit <= after:
            paused.append((team_id, user_id, after))
    return paused
