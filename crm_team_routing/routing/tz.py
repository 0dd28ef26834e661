# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Time zones: the one helper.

A person's time zone is their own, else their company's, else UTC. Odoo stores datetimes as
naive UTC; working hours, leave days and the dates a reason or a note shows are local to the
person they concern. Every such conversion of the module goes through here.
"""
import pytz


def name(user_tz=None, company_tz=None):
    """The time zone's name: the user's, else the company's, else 'UTC'."""
    return user_tz or company_tz or 'UTC'


def zone(user_tz=None, company_tz=None):
    """The ``pytz`` time zone of ``name(user_tz, company_tz)`` (UTC when unknown)."""
    try:
        return pytz.timezone(name(user_tz, company_tz))
    except pytz.UnknownTimeZoneError:
        return pytz.utc


def to_local(value, local_tz):
    """A naive UTC datetime as an aware datetime of ``local_tz``."""
    return pytz.utc.localize(value).astimezone(local_tz)


def to_utc(value, local_tz):
    """A naive local datetime of ``local_tz`` as a naive UTC datetime (DST-safe)."""
    return local_tz.localize(value, is_dst=False).astimezone(pytz.utc).replace(tzinfo=None)


def short(value, local_tz, with_time=None):
    """A naive UTC datetime as a person reads it in a reason or a note: '03/12 14:30'; with
    ``with_time`` None, '03/12' for a local midnight (the end of a day's leave)."""
    moment = to_local(value, local_tz)
    if with_time is None:
        with_time = (moment.hour, moment.minute, moment.second) != (0, 0, 0)
    return moment.strftime('%d/%m %H:%M' if with_time else '%d/%m')
