# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SLA take-back decisions in plain Python: which overdue lead goes to whom.

A lead its salesperson did not follow up in time goes to another eligible member of its team,
chosen as routing's phase 2 does (lowest load relative to capacity, then longest waiting, then
member id), never to anyone who held it before. When nobody can take it, or the team's maximum
of take-backs is reached (or is 0), it stays and the leader is told.
"""
from collections import namedtuple
from fractions import Fraction

from .engine import EXACT_FLOAT_BOUND, exact_weight

# An overdue lead: its team, current salesperson, assignment date (string), take-backs so far.
SlaLead = namedtuple('SlaLead', 'lead_id team_id user_id assignment_date count')

# kind 'sla' with user_id: taken back and given to user_id; user_id None: it stays, ``why``
# says why ('max_reached', 'notify_only' or 'no_member'). ``number`` is the take-back's number.
SlaDecision = namedtuple('SlaDecision', 'lead_id team_id user_id member_id previous_user_id '
                                        'why number')


def overdue_first(leads):
    """Most overdue first: oldest assignment, then lower id."""
    return sorted(leads, key=lambda lead: (lead.assignment_date or '', lead.lead_id))


def member_key(member):
    """Phase 2's order, exactly: members of weight > 0 before the reserve (weight 0), then the
    lowest count / (capacity x weight), the longest waiting, the lowest id."""
    if member.weight > 0:
        load = Fraction(member.count) / (member.capacity * exact_weight(member.weight))
    else:
        load = Fraction(member.count, member.capacity)
    return (member.weight <= 0, load, member.last, member.id)


def fast_member_key(members, leads=0):
    """A key giving ``member_key``'s order for ``members`` at a fraction of its cost: the load
    count x scale / den as a float when, for every member with room left, numerator and
    denominator stay below ``engine.EXACT_FLOAT_BOUND`` (the floats of such fractions are
    ordered exactly as the fractions, see ``engine._member_pools``); else ``member_key``.
    ``leads``: how many leads the run may give (an unlimited member's count grows beyond its
    capacity)."""
    terms = {}
    for member in members:
        if member.weight > 0:
            weight = exact_weight(member.weight)
            terms[member.id] = (weight.denominator, member.capacity * weight.numerator)
        else:
            terms[member.id] = (1, member.capacity)
    if not all(isinstance(member.capacity, int) and isinstance(terms[member.id][1], int)
               and ((max(member.count, member.capacity) + leads) if member.unlimited
                    else member.capacity - 1) * terms[member.id][0] < EXACT_FLOAT_BOUND
               and terms[member.id][1] < EXACT_FLOAT_BOUND for member in members):
        return member_key

    def key(member):
        scale, den = terms[member.id]
        return (member.weight <= 0, member.count * scale / den, member.last, member.id)
    return key


def choose_member(lead_id, members, fits, excluded, keys=None, key=member_key):
    """The member of ``members`` (engine.MemberState) who takes ``lead_id`` as phase 2 would,
    leaving out ``excluded`` user ids and members at capacity; None when nobody can. A scan of
    the team's members. ``keys``, a dict kept by the caller, holds each member's ``key`` (by
    member id) between calls: only the chosen member's key changes, and the caller drops it
    then."""
    if lead_id not in fits:
        return None
    eligible = [member for member in members
                if member.user_id not in excluded and member.has_room()
                and (member.fits is None or lead_id in member.fits)]
    if not eligible:
        return None
    order = key
    if keys is not None:
        for member in eligible:
            if member.id not in keys:
                keys[member.id] = key(member)

        def order(member):
            return keys[member.id]
    best = min(eligible, key=order)
    # Preferred leads as in phase 2: among the members of the winner's tier (weight > 0, or
    # the reserve), those whose preferred filter accepts the lead come first.
    liked = [member for member in eligible if member.preferred is not None
             and lead_id in member.preferred and (member.weight <= 0) == (best.weight <= 0)]
    return min(liked, key=order) if liked else best


def decide(leads, members_by_team, fits_by_team, held_by, max_by_team, now):
    """The take-back decisions of one run.

    :param leads: overdue :class:`SlaLead`, their deadline already checked
    :param members_by_team: {team_id: [engine.MemberState]} eligible memberships
    :param fits_by_team: {team_id: ids of the leads matching the team's filter}
    :param held_by: {lead_id: user ids who held the lead, the current salesperson included}
    :param max_by_team: {team_id: take-backs allowed per lead (0: only tell the leader)}
    :param now: the run's date string, recorded as the members' last assignment
    :return: list of :class:`SlaDecision`, most overdue first
    """
    decisions = []
    keys = {}  # member id -> its key, dropped when the member takes a lead
    key = fast_member_key([member for members in members_by_team.values()
                           for member in members], len(leads))
    for lead in overdue_first(leads):
        limit = max_by_team.get(lead.team_id, 0)
        if not limit or lead.count >= limit:
            decisions.append(SlaDecision(lead.lead_id, lead.team_id, None, None, lead.user_id,
                                         'notify_only' if not limit else 'max_reached',
                                         lead.count))
            continue
        member = choose_member(lead.lead_id, members_by_team.get(lead.team_id, ()),
                               fits_by_team.get(lead.team_id, ()),
                               held_by.get(lead.lead_id, set()) | {lead.user_id}, keys,
                               key)
        if member is None:
            decisions.append(SlaDecision(lead.lead_id, lead.team_id, None, None, lead.user_id,
                                         'no_member', lead.count))
            continue
        decisions.append(SlaDecision(lead.lead_id, lead.team_id, member.user_id, member.id,
                                     lead.user_id, None, lead.count + 1))
        member.take(now)
        keys.pop(member.id, None)
    return decisions
