# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reasons of the assignment log, stored as what they say and written out when read.

A log row keeps its reason as JSON (``crm.lead.assignment.log.reason_data``), not as a text in
the language of whoever ran routing: each reader sees it in their own language. A reason is a
*node*:

- a literal: a name, a number, a date already written in the concerned person's time zone;
  shown as it is;
- ``[code, {name: node}]``: the template ``TEMPLATES[code]``, translated into the reader's
  language, filled with its values (nodes themselves);
- ``["", separator, [node, ...]]``: the nodes, joined;
- ``["=filter", domain]``: a routing filter, which the reader's screen may write in words.

Builders (:func:`text`, :func:`join`, :func:`filter_node`) make plain lists and dicts: a run
encodes 100,000 of them with ``json.dumps`` in well under a second. :func:`render` writes a node
out with a ``translate`` function (the reader's language) and a ``describe_filter`` function.

The templates are marked with ``_``, here a marker that returns its text unchanged: the
translation export finds them, and translation happens when a row is read.
"""
import json
import logging

_logger = logging.getLogger(__name__)


def _(source):
    """Marks a template for the translation export; it is translated when a reason is read."""
    return source


TEMPLATES = {
    # Ordinary routing (router, phases 1 and 2)
    'team': _("Entered team %(team)s: filter %(filter)s; score %(score)s in "
              "[%(low)s, %(high)s); load %(load)s/%(capacity)s"),
    'member': _("Given to %(user)s in team %(team)s: member filter %(filter)s; "
                "load %(load)s/%(capacity)s"),
    'no_team': _("Waiting for a team: no routing team's filter and score band match "
                 "(score %(score)s)."),
    'team_filter': _("Waiting in team %(team)s: the lead does not match the team's "
                     "filter %(filter)s."),
    'no_member': _("Waiting in team %(team)s: no member can take it (%(members)s)."),
    'no_member_empty': _("Waiting in team %(team)s: no member can take it (the team "
                         "has no member taking leads)."),
    # Fallback
    'fallback_team': _("Moved to the overflow team %(team)s after waiting %(waited)s h "
                       "in team %(origin)s, where no member could take it."),
    'fallback_user': _("Given to %(user)s, fallback salesperson of team %(team)s: no "
                       "member could take it."),
    'fallback_user_company': _("Not given to %(user)s, fallback salesperson of team "
                               "%(team)s: they do not work for %(company)s."),
    # Why a member could not take a waiting lead
    'member_absent': _("%(user)s: on leave until %(date)s"),
    'member_off_hours': _("%(user)s: outside working hours"),
    'member_full': _("%(user)s: %(count)s/%(quota)s"),
    'member_filter': _("%(user)s: filter does not match"),
    'member_paused': _("%(user)s: paused"),
    'member_archived': _("%(user)s: archived user"),
    'member_company': _("%(user)s: does not work for the team's company"),
    'more': _("%(count)s more"),
    # A member's state, beside their name (a preview's totals)
    'status_absent': _("on leave until %(date)s"),
    'status_off_hours': _("outside working hours"),
    'status_full': _("full (%(count)s/%(quota)s)"),
    'status_paused': _("paused"),
    'status_archived': _("archived user"),
    'status_company': _("does not work for the team's company"),
    # Existing owner
    'owner_given': _("Existing owner: %(match)s. Given in team %(team)s; load %(load)s/"
                     "%(capacity)s."),
    'owner_skipped': _("Existing owner skipped (%(match)s): %(cause)s."),
    'owner_not_member': _("%(user)s is not an active member of a team of this run that "
                          "routes to the existing owner"),
    'owner_paused': _("%(user)s is paused"),
    'owner_absent': _("%(user)s is absent"),
    'owner_archived': _("%(user)s is an archived user"),
    'owner_full': _("%(user)s has no capacity left (%(count)s/%(capacity)s)"),
    'owner_unavailable': _("%(user)s takes no lead in this run"),
    'match_partner': _("customer %(record)s, whose salesperson is %(user)s"),
    'match_opportunity_partner': _("open opportunity '%(record)s' owned by %(user)s, "
                                   "same customer %(key)s"),
    'match_opportunity_email': _("open opportunity '%(record)s' owned by %(user)s, "
                                 "same email %(key)s"),
    'match_opportunity_phone': _("open opportunity '%(record)s' owned by %(user)s, "
                                 "same phone %(key)s"),
    'match_lead_email': _("open lead '%(record)s' owned by %(user)s, same email "
                          "%(key)s"),
    'match_lead_phone': _("open lead '%(record)s' owned by %(user)s, same phone "
                          "%(key)s"),
    'match_customer_email': _("customer %(record)s, whose salesperson is %(user)s, "
                              "same email %(key)s"),
    'match_customer_phone': _("customer %(record)s, whose salesperson is %(user)s, "
                              "same phone %(key)s"),
    'match_run_partner': _("lead '%(record)s' of the same customer %(key)s in this run, "
                           "given to %(user)s"),
    'match_run_email': _("lead '%(record)s' with the same email %(key)s in this run, "
                         "given to %(user)s"),
    'match_run_phone': _("lead '%(record)s' with the same phone %(key)s in this run, "
                         "given to %(user)s"),
    # The existing account: tax ID (level 1), company name (5), corporate email domain (6)
    'match_partner_vat': _("same tax ID %(key)s as customer %(record)s, whose salesperson "
                           "is %(user)s"),
    'match_opportunity_company_name': _("open opportunity '%(record)s' owned by %(user)s, "
                                        "same company name as %(key)s"),
    'match_lead_company_name': _("open lead '%(record)s' owned by %(user)s, same company "
                                 "name as %(key)s"),
    'match_customer_company_name': _("same company name as customer %(record)s, whose "
                                     "salesperson is %(user)s"),
    'match_opportunity_email_domain': _("open opportunity '%(record)s' owned by %(user)s, "
                                        "same email domain %(key)s"),
    'match_lead_email_domain': _("open lead '%(record)s' owned by %(user)s, same email "
                                 "domain %(key)s"),
    'match_customer_email_domain': _("customer %(record)s, whose salesperson is %(user)s, "
                                     "same email domain %(key)s"),
    'match_run_vat': _("lead '%(record)s' with the same tax ID %(key)s in this run, given "
                       "to %(user)s"),
    'match_run_company_name': _("lead '%(record)s' with the same company name %(key)s in "
                                "this run, given to %(user)s"),
    'match_run_email_domain': _("lead '%(record)s' with the same email domain %(key)s in "
                                "this run, given to %(user)s"),
    # SLA take-back
    'sla_moved': _("Not followed up within %(hours)s h by %(user)s, assigned %(date)s; "
                   "take-back %(number)s of %(max)s, given to %(new)s."),
    'sla_max_reached': _("Not followed up within %(hours)s h by %(user)s, assigned "
                         "%(date)s; %(max)s take-backs reached: the team leader decides."),
    'sla_notify_only': _("Not followed up within %(hours)s h by %(user)s, assigned "
                         "%(date)s; take-backs are off for this team: the team leader is "
                         "told."),
    'sla_no_member': _("Not followed up within %(hours)s h by %(user)s, assigned %(date)s; "
                       "no other member can take it: the team leader is told."),
    # People
    'manual_created': _("Created with salesperson %(salesperson)s."),
    'manual_set': _("Salesperson set to %(salesperson)s by %(user)s."),
    'manual_removed': _("Salesperson removed by %(user)s."),
    'mass_user': _("Assigned to %(salesperson)s by %(user)s (mass assignment)."),
    'mass_team': _("Moved to team %(team)s by %(user)s (mass assignment); routing will give "
                   "it to a salesperson."),
    'mass_split': _("Split among %(count)s salespeople by %(user)s: given to "
                    "%(salesperson)s."),
    'share': _("Shared read-only with %(users)s."),
    # Credit back (crm.lead.action_routing_credit)
    'credit': _("Not counted against %(salesperson)s, credited back by %(user)s: %(reason)s"),
    'share_rule': _("Shared read-only with %(users)s by share rule %(rule)s."),
    # People who leave, leads that change (release rows, the re-route loop guard)
    'release_left': _("Handed back: %(user)s left the team %(team)s."),
    'release_hand_back': _("Handed back from %(user)s by %(by)s."),
    'release_untouched': _("Handed back from %(user)s by %(by)s: not touched in the last "
                           "%(days)s days."),
    'release_reroute': _("Re-routed: the lead changed after routing gave it to %(user)s; it is "
                         "routed again."),
    'release_reroute_team': _("Re-routed: the lead changed after routing put it in team "
                              "%(team)s; it is routed again."),
    'reroute_limit': _("Not re-routed: already re-routed %(count)s times in 24 hours; it stays "
                       "with %(holder)s."),
    # Capacity modes and preferred leads (DESIGN.md revision 3)
    'member_preferred': _("Given to %(user)s in team %(team)s: preferred: %(preferred)s; "
                          "member filter %(filter)s; load %(load)s/%(capacity)s"),
    'member_open_full': _("%(user)s: %(count)s/%(quota)s open leads"),
    'status_open': _("%(count)s/%(quota)s open leads"),
    'status_unlimited': _("no cap"),
    'capacity_unlimited': _("%(capacity)s, no cap"),
    'owner_open_full': _("%(user)s has %(count)s/%(capacity)s open leads"),
}

FILTER = '=filter'


def text(code, **values):
    """The node of template ``code`` with ``values`` (nodes)."""
    return [code, values]


def join(separator, parts):
    """The node joining ``parts`` (nodes) with ``separator`` (a literal)."""
    return ['', separator, list(parts)]


def filter_node(domain):
    """The node of a routing filter (its text, as stored on the team or member)."""
    return [FILTER, domain or '[]']


def dumps(node):
    """The JSON a log row stores."""
    return json.dumps(node, ensure_ascii=False, separators=(',', ':'))


def loads(data):
    """The node a log row stores (``dumps``); text that is not JSON is a literal."""
    try:
        return json.loads(data) if data else ''
    except ValueError:
        return data


def render(node, translate=None, describe_filter=None):
    """The text of ``node``.

    :param translate: a function giving a template in the reader's language (default: English)
    :param describe_filter: a function writing a filter's text in words (default: as stored)
    """
    return _render(node, translate or (lambda source: source), describe_filter)


def _render(node, translate, describe_filter):
    if not isinstance(node, list) or not node:
        return '' if node is None else '%s' % (node,)
    head = node[0]
    if head == '' and len(node) == 3:
        return node[1].join(_render(part, translate, describe_filter) for part in node[2])
    if head == FILTER:
        return describe_filter(node[1]) if describe_filter else node[1]
    source = TEMPLATES.get(head)
    if source is None or len(node) != 2 or not isinstance(node[1], dict):
        # A template removed since the row was written: its values, as they are.
        return ' '.join('%s' % (value,) for value in node[1:])
    values = {name: _render(value, translate, describe_filter)
              for name, value in node[1].items()}
    try:
        return translate(source) % values
    except (KeyError, ValueError, TypeError):
        _logger.warning("Reason template %r: its translation does not fit its values", head)
        return source % values
