# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Absence, working hours and pro-rated quotas in plain Python (DESIGN.md "Absence and working
hours").

Leaves and moments are naive UTC datetimes, as Odoo stores them; attendances are
``(weekday, hour_from, hour_to)`` in the person's own time zone; days are the person's local
days (Asia/Ho_Chi_Minh is UTC+7: its Monday starts on Sunday at 17:00 UTC). A calendar with no
attendance at all is no schedule: nobody is outside its hours, and it pro-rates nothing.
"""
from collections import namedtuple
from datetime import datetime, time, timedelta
from fractions import Fraction
from math import floor

import pytz

from .calendar import _local_tz, _to_utc, attendance_intervals, merge, subtract

# Days of the window the quota is pro-rated over.
QUOTA_WINDOW_DAYS = 30

# What a run needs to know of a member now: ``absent_until`` the end of the absence covering now
# (None: not absent), ``off_hours`` outside the attendances of their calendar now, ``quota`` their
# capacity pro-rated for the leave days of the window.
Availability = namedtuple('Availability', 'absent_until off_hours quota')


def local_midnights(tz_name, moment, days_before=0, days_after=1):
    """Naive UTC datetimes of the local midnights from ``days_before`` days before the local day
    of ``moment`` to ``days_after`` days after it: ``days_before + days_after + 1`` values."""
    local_tz = _local_tz(tz_name)
    today = pytz.utc.localize(moment).astimezone(local_tz).date()
    return [_to_utc(local_tz, datetime.combine(today + timedelta(days=offset), time()))
            for offset in range(-days_before, days_after + 1)]


def absent_until(leaves, attendances, tz_name, now):
    """End of the absence covering ``now``, or None when the person is there.

    Absent: a leave covers ``now``, or the leaves cover the rest of the person's working day
    (what is left of today's attendances after ``now``, today being their local day), so a
    full-day leave encoded 08:00-17:00 counts from midnight. Overlapping and adjoining leaves
    are merged: the end is that of the merged leave.

    :param leaves: (start, end) naive UTC, in any order, overlapping or not
    :param attendances: (weekday 0-6, hour_from, hour_to) in local hours
    """
    merged = merge(leaves)
    if not merged:
        return None
    end = None
    for start, stop in merged:
        if start <= now < stop:
            end = stop
            break
    midnight = local_midnights(tz_name, now)[1]
    rest = attendance_intervals(attendances, tz_name, now, midnight) if now < midnight else []
    if rest and not subtract(rest, merged):
        covering = [stop for start, stop in merged if start < rest[-1][1] and stop > rest[0][0]]
        end = max([end] + covering) if end else max(covering)
    return end


def off_hours(attendances, tz_name, now):
    """Whether ``now`` falls outside the attendances of the person's calendar, in their time
    zone. A calendar with no attendance is no schedule: never outside it."""
    if not attendances:
        return False
    return not attendance_intervals(attendances, tz_name, now, now + timedelta(seconds=1))


def _seconds(intervals):
    return sum(int(round((end - start).total_seconds())) for start, end in intervals)


def _split(intervals, bounds):
    """Seconds of ``intervals`` falling between each pair of consecutive ``bounds``."""
    seconds = [0] * (len(bounds) - 1)
    index = 0
    for start, end in intervals:
        while index < len(seconds) and bounds[index + 1] <= start:
            index += 1
        day = index
        while day < len(seconds) and bounds[day] < end:
            seconds[day] += _seconds([(max(start, bounds[day]), min(end, bounds[day + 1]))])
            day += 1
    return seconds


def leave_days(leaves, attendances, tz_name, now, days=QUOTA_WINDOW_DAYS):
    """(leave days, working days) of the ``days`` local days before today (today not counted).

    A working day is a local day on which the calendar has working hours; a leave counts for the
    share of that day's working hours it covers (a half-day leave is half a day). Exact
    fractions.
    """
    bounds = local_midnights(tz_name, now, days_before=days, days_after=0)
    work = attendance_intervals(attendances, tz_name, bounds[0], bounds[-1])
    working = _split(work, bounds)
    free = _split(subtract(work, merge(leaves)), bounds)
    taken = Fraction(0)
    count = 0
    for total, left in zip(working, free):
        if total:
            count += 1
            taken += Fraction(total - left, total)
    return taken, count


def quota(assignment_max, leaves, attendances, tz_name, now, catchup=False):
    """``assignment_max`` x (1 - leave days / working days) over the 30 local days before today,
    rounded half up; ``assignment_max`` itself with catch-up, or when the calendar has no
    working day in the window (no attendance at all)."""
    if catchup or assignment_max <= 0 or not attendances or not leaves:
        return assignment_max
    taken, working = leave_days(leaves, attendances, tz_name, now)
    if not working or not taken:
        return assignment_max
    return int(floor(assignment_max * (1 - taken / working) + Fraction(1, 2)))


def availability(assignment_max, leaves, attendances, tz_name, now, catchup=False):
    """:class:`Availability` of one person now."""
    return Availability(absent_until(leaves, attendances, tz_name, now),
                        off_hours(attendances, tz_name, now),
                        quota(assignment_max, leaves, attendances, tz_name, now, catchup))
