# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Working time in plain Python: attendances in a person's time zone, leaves and runs in UTC.

Odoo stores datetimes in UTC (naive); a calendar's attendances are hours of the day in the
person's own time zone (Asia/Ho_Chi_Minh is UTC+7: 08:00 there is 01:00 UTC). Everything here
takes and returns naive UTC datetimes, and computes the local days with ``pytz``.
"""
from bisect import bisect_right
from datetime import datetime, time, timedelta

import pytz

from . import tz


def _local_tz(tz_name):
    return tz.zone(tz_name)


def _to_utc(local_tz, value):
    """A naive local datetime to naive UTC (DST-safe)."""
    return tz.to_utc(value, local_tz)


def merge(intervals):
    """Sorted, non-overlapping union of (start, end) intervals; adjoining ones merged."""
    merged = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def subtract(intervals, holes):
    """``intervals`` minus ``holes``, both sorted and merged."""
    result = []
    holes = merge(holes)
    index = 0
    for start, end in intervals:
        while index < len(holes) and holes[index][1] <= start:
            index += 1
        cursor = start
        probe = index
        while probe < len(holes) and holes[probe][0] < end:
            hole_start, hole_end = holes[probe]
            if hole_start > cursor:
                result.append((cursor, hole_start))
            cursor = max(cursor, hole_end)
            probe += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def attendance_intervals(attendances, tz_name, start, end):
    """Working intervals in UTC between ``start`` and ``end`` (naive UTC datetimes).

    :param attendances: (weekday 0-6, hour_from, hour_to) in local hours, Monday = 0
    """
    local_tz = _local_tz(tz_name)
    by_day = {}
    for weekday, hour_from, hour_to in attendances:
        by_day.setdefault(int(weekday), []).append((hour_from, hour_to))
    if not by_day:
        return []
    local_start = pytz.utc.localize(start).astimezone(local_tz).date() - timedelta(days=1)
    local_end = pytz.utc.localize(end).astimezone(local_tz).date() + timedelta(days=1)
    intervals = []
    day = local_start
    while day <= local_end:
        for hour_from, hour_to in by_day.get(day.weekday(), ()):
            midnight = datetime.combine(day, time())
            intervals.append((_to_utc(local_tz, midnight + timedelta(hours=hour_from)),
                              _to_utc(local_tz, midnight + timedelta(hours=hour_to))))
        day += timedelta(days=1)
    return [(max(s, start), min(e, end)) for s, e in merge(intervals) if e > start and s < end]


class WorkClock(object):
    """Working seconds between moments, for one person: their attendances minus their leaves,
    precomputed once for a window and answered with a binary search per question."""

    def __init__(self, attendances, tz_name, leaves, start, end):
        self.intervals = subtract(attendance_intervals(attendances, tz_name, start, end),
                                  leaves)
        self.starts = [interval[0] for interval in self.intervals]
        # cumulative[i]: working seconds in the intervals before i
        self.cumulative = [0.0]
        for interval_start, interval_end in self.intervals:
            self.cumulative.append(self.cumulative[-1]
                                   + (interval_end - interval_start).total_seconds())

    def _worked_until(self, moment):
        index = bisect_right(self.starts, moment)
        total = self.cumulative[index - 1] if index else 0.0
        if index:
            interval_start, interval_end = self.intervals[index - 1]
            total += (min(moment, interval_end) - interval_start).total_seconds()
        return total

    def seconds(self, start, end):
        """Working seconds between ``start`` and ``end`` (naive UTC datetimes)."""
        if end <= start:
            return 0.0
        return self._worked_until(end) - self._worked_until(start)
