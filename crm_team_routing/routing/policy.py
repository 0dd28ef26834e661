# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Who may do what: the one place the module's rights are decided.

Plain Python, no ORM: a ``Person`` (role, companies, teams led) and the facts of a request go
in, a decision comes out. Every gate of the router, the wizard's choices, the sharing paths, the
follower rules, the absences and the SQL that mirrors record rules ask these functions; the ORM
side (``crm.lead.router._routing_person``) only gathers the facts. One change of a rule is one
change here.

A refusal is a ``Refusal(code, values)``: the caller turns its code into a translated message
(``crm.lead.router._routing_refuse``); ``None`` means allowed.
"""
from collections import namedtuple

# Roles, each including the ones before it (Odoo's implied groups).
EMPLOYEE = 0        # an internal user without Sales rights
SALESPERSON = 1     # sales_team.group_sale_salesman: their own leads
LEADER = 2          # crm_team_routing.group_sale_team_leader: also the teams they lead
ALL_DOCUMENTS = 3   # sales_team.group_sale_salesman_all_leads: every lead of their companies
MANAGER = 4         # sales_team.group_sale_manager: configuration, routing runs
SYSTEM = 5          # the superuser (crons, mail gateway, website forms)

# The group of each role, highest first: a user's role is the first group they have.
ROLE_GROUPS = (
    (MANAGER, 'sales_team.group_sale_manager'),
    (ALL_DOCUMENTS, 'sales_team.group_sale_salesman_all_leads'),
    (LEADER, 'crm_team_routing.group_sale_team_leader'),
    (SALESPERSON, 'sales_team.group_sale_salesman'),
)
# Who reads every lead of their companies: the SQL that mirrors the record rules asks for it.
READ_ALL_GROUP = 'sales_team.group_sale_salesman_all_leads'

# Lead fields only the system writes (and a sales manager, for data migration).
SYSTEM_FIELDS = ('assignment_date', 'last_followup_date', 'sla_reassign_count', 'score')
# share_state: the system, managers, and whoever may share ('to_share' only).
SHARE_STATE_FIELD = 'share_state'
# Fields of the assignment log only the system writes.
LOG_SYSTEM_FIELDS = ('touch_date', 'response_hours', 'reminded')

Person = namedtuple('Person', 'uid role admin company_ids led_team_ids')
Refusal = namedtuple('Refusal', 'code values')


def role_of(superuser, groups):
    """The role of a user: ``superuser`` (bool), ``groups`` the xml ids they have."""
    if superuser:
        return SYSTEM
    for role, group in ROLE_GROUPS:
        if group in groups:
            return role
    return EMPLOYEE


def _foreign(person, company_ids):
    """The first of ``company_ids`` (None: no company) the person does not work for."""
    for company_id in sorted(company_id for company_id in company_ids if company_id):
        if company_id not in person.company_ids:
            return company_id
    return None


# ---------------------------------------------------------------------------------------------
# Routing runs (the router's gate)
# ---------------------------------------------------------------------------------------------

def check_run(person, gate, team_company_ids=(), team_ids=(), lead_company_ids=()):
    """May ``person`` start a run of this ``gate`` kind (``MODES[mode].gate``)? The leads'
    write rights are the ORM's to check (record rules); the rest is here."""
    if person.role == SYSTEM:
        return None
    if gate == 'system':
        return None if person.admin else Refusal('system_only', {})
    if gate == 'manager':
        if person.role < MANAGER:
            return Refusal('manager_only', {})
        foreign = _foreign(person, list(team_company_ids) + list(lead_company_ids))
        return Refusal('foreign_company', {'company': foreign}) if foreign else None
    if gate == 'wizard':
        if person.role < LEADER:
            return Refusal('bulk_leader_only', {})
        return check_target_teams(person, team_ids, team_company_ids)
    if gate == 'writable':
        if person.role < SALESPERSON:
            return Refusal('sales_only', {})
        foreign = _foreign(person, lead_company_ids)
        return Refusal('foreign_company', {'company': foreign}) if foreign else None
    if gate == 'created':
        return None
    raise ValueError(gate)


def run_companies(person, gate):
    """The companies whose leads a run may touch: None for the system's runs (every company);
    a person's run (buttons, preview, wizard, server action) only those they work for."""
    if person.role == SYSTEM or gate in ('system', 'created'):
        return None
    return frozenset(person.company_ids)


def check_target_teams(person, team_ids, team_company_ids):
    """May ``person`` put leads into these teams? Leaders: the teams they lead; All
    Documents and managers: teams of their companies."""
    if person.role == SYSTEM:
        return None
    if person.role >= ALL_DOCUMENTS:
        foreign = _foreign(person, team_company_ids)
        return Refusal('foreign_company', {'company': foreign}) if foreign else None
    outside = sorted(set(team_ids) - set(person.led_team_ids))
    return Refusal('team_not_led', {'team': outside[0]}) if outside else None


def check_lead_teams(person, lead_team_ids):
    """May ``person`` reassign leads sitting in these teams (None: no team) in bulk? Leaders:
    only leads of the teams they lead."""
    if person.role == SYSTEM or person.role >= ALL_DOCUMENTS:
        return None
    if person.role < LEADER:
        return Refusal('bulk_leader_only', {})
    outside = [team_id for team_id in lead_team_ids if team_id not in person.led_team_ids]
    return Refusal('lead_not_led', {'team': outside[0]}) if outside else None


def check_lead_companies(person, lead_company_ids, target_company_ids):
    """Leads stay in their company: a lead is never moved to a team of another company."""
    for lead_company in lead_company_ids:
        for target in target_company_ids:
            if lead_company and target and lead_company != target:
                return Refusal('cross_company', {'company': target})
    return None


def wizard_lead_domain(person):
    """What the mass assignment takes when it applies to a whole search (added to the search,
    which runs with the person's rights): a leader's search is cut to the teams they lead."""
    if person.role == SYSTEM or person.role >= ALL_DOCUMENTS:
        return []
    return [('team_id', 'in', sorted(person.led_team_ids))]


def wizard_team_domain(person):
    if person.role == SYSTEM:
        return []
    if person.role >= ALL_DOCUMENTS:
        return ['|', ('company_id', '=', False), ('company_id', 'in', sorted(person.company_ids))]
    return [('id', 'in', sorted(person.led_team_ids))]


def wizard_user_domain(person, led_team_user_ids):
    """The people the mass assignment offers: internal users; of the person's companies; a
    leader's own people only."""
    domain = [('share', '=', False)]
    if person.role == SYSTEM:
        return domain
    domain += [('company_ids', 'in', sorted(person.company_ids))]
    if person.role >= ALL_DOCUMENTS:
        return domain
    return domain + [('id', 'in', sorted(led_team_user_ids))]


# ---------------------------------------------------------------------------------------------
# Receiving and reading leads
# ---------------------------------------------------------------------------------------------

def may_receive(active, share, user_company_ids, lead_company_id):
    """May a user receive a lead (routing, SLA, owner, fallback, wizard)? Active internal users
    who work for the lead's company."""
    if not active or share:
        return False
    return not lead_company_id or lead_company_id in user_company_ids


def receive_refusal(active, share, user_company_ids, lead_company_id):
    """Why a user may not receive a lead, as a Refusal (None: they may)."""
    if share:
        return Refusal('not_internal', {})
    if not active:
        return Refusal('archived_user', {})
    if lead_company_id and lead_company_id not in user_company_ids:
        return Refusal('not_in_company', {'company': lead_company_id})
    return None


# ---------------------------------------------------------------------------------------------
# Sharing (wizard, action_share_with_users, shared_user_ids, share rules)
# ---------------------------------------------------------------------------------------------

def check_share(person, lead_team_ids, target_user_ids, led_team_user_ids):
    """May ``person`` share leads of these teams with these users? (Whether the users work for
    the leads' companies is ``receive_refusal``'s to say, user by user.) Salespeople do not
    share; leaders share leads of their teams with their teams' people; All Documents and
    managers with anyone of the leads' companies."""
    if person.role == SYSTEM or person.role >= ALL_DOCUMENTS:
        return None
    if person.role < LEADER:
        return Refusal('share_leader_only', {})
    refusal = check_lead_teams(person, lead_team_ids)
    if refusal:
        return refusal
    strangers = sorted(set(target_user_ids) - set(led_team_user_ids))
    return Refusal('not_team_member', {'user': strangers[0]}) if strangers else None


# ---------------------------------------------------------------------------------------------
# Fields only the system writes
# ---------------------------------------------------------------------------------------------

def check_system_fields(person, field_names, share_state=None, lead_team_ids=()):
    """May ``person`` write these lead fields? System fields: the system and managers.
    ``share_state``: 'to_share' also by those who may share the leads."""
    if person.role == SYSTEM or person.role >= MANAGER:
        return None
    for name in SYSTEM_FIELDS:
        if name in field_names:
            return Refusal('system_field', {'field': name})
    if SHARE_STATE_FIELD in field_names:
        if share_state != 'to_share' or check_lead_teams(person, lead_team_ids) \
                or person.role < LEADER:
            return Refusal('system_field', {'field': SHARE_STATE_FIELD})
    return None


def check_log_fields(person, field_names):
    if person.role == SYSTEM or person.role >= MANAGER:
        return None
    for name in LOG_SYSTEM_FIELDS:
        if name in field_names:
            return Refusal('system_field', {'field': name})
    return None


# ---------------------------------------------------------------------------------------------
# Absences
# ---------------------------------------------------------------------------------------------

def check_absence(person, resource_user_id, resource_leader_ids, resource_company_id,
                  is_routing_member, public_holiday=False):
    """May ``person`` record or move a leave onto this resource (asked of the leave as it is
    after the write)? Their own; a leader: their teams' members' (``resource_leader_ids``: the
    leaders of the active teams the resource is an active routing member of); a manager: routing
    members of their companies, and the public holidays (``public_holiday``: a leave of no
    resource) of their companies. A resource of nobody (``resource_user_id`` None: a room, a
    machine) that is no routing member is nobody's here: rights other modules give (HR's) are
    the ORM's record rules to grant."""
    if person.role == SYSTEM:
        return None
    if public_holiday:
        if person.role >= MANAGER and not _foreign(person, [resource_company_id]):
            return None
        return Refusal('absence_not_yours', {})
    if resource_user_id and resource_user_id == person.uid:
        return None
    if resource_user_id and person.uid in resource_leader_ids and person.role >= LEADER:
        return None
    if person.role >= MANAGER and is_routing_member \
            and not _foreign(person, [resource_company_id]):
        return None
    return Refusal('absence_not_yours', {})


def member_calendar_writer(person, routing_resource, resource_company_id, resource_user_id):
    """Who writes a routing member's Working Hours (their resource's calendar) when ``person``
    changes them: ``None`` when the module writes it for them (the system; a sales manager of
    the resource's company, when the resource is routing's own: ``routing_resource``, created by
    the module for a membership and used by no other model), else a Refusal that says the
    resource is someone else's (an employee's HR schedule): the write is then made with the
    person's own rights, and refused with this Refusal when Odoo's rights do not allow it."""
    if person.role == SYSTEM:
        return None
    if routing_resource and person.role >= MANAGER \
            and not _foreign(person, [resource_company_id]):
        return None
    return Refusal('calendar_not_routing', {'user': resource_user_id})


# ---------------------------------------------------------------------------------------------
# People who leave: handing back a member's leads
# ---------------------------------------------------------------------------------------------


def check_hand_back(person, team_id, team_company_id):
    """May ``person`` hand back the open leads of a member of team ``team_id`` (the wizard
    ``crm.lead.hand.back``)? Managers: members of teams of their companies; leaders (and All
    Documents users): members of the teams they lead. Archiving a user or a membership hands
    back as the system, after the archive itself passed its own rights."""
    if person.role == SYSTEM:
        return None
    if person.role >= MANAGER:
        foreign = _foreign(person, [team_company_id])
        return Refusal('foreign_company', {'company': foreign}) if foreign else None
    if person.role >= LEADER and team_id in person.led_team_ids:
        return None
    if person.role < LEADER:
        return Refusal('hand_back_leader_only', {})
    return Refusal('hand_back_not_led', {'team': team_id})


# ---------------------------------------------------------------------------------------------
# Leads written by people: owner, team's company, sharing, followers, rules applied by hand
# ---------------------------------------------------------------------------------------------


def check_create_owner(person, owner_id):
    """A plain salesperson creates leads owned by themselves only."""
    if person.role == SALESPERSON and owner_id != person.uid:
        return Refusal('own_leads_only', {})
    return None


def check_team_company(person, team_id, team_company_id):
    """A lead enters a team (created or written) only by who works for the team's company."""
    if person.role == SYSTEM or not team_company_id or team_company_id in person.company_ids:
        return None
    return Refusal('team_foreign_company', {'team': team_id, 'company': team_company_id})


def check_unshare(person, lead_team_ids):
    """Removing shared users: whoever may share these leads (``check_share``)."""
    return check_share(person, lead_team_ids, (), ())


def check_follower(user_id, may_write):
    """An internal user follows a lead only while they may write it: a reader never does."""
    return None if may_write else Refusal('follower_not_writer', {'user': user_id})


def check_post(is_shared_reader):
    """A user a lead is shared with, who may not write it, reads it and posts nothing."""
    return Refusal('reader_no_post', {}) if is_shared_reader else None


def check_rules_apply(person, code, rule_company_ids):
    """Applying share rules or recomputing scores by hand: sales managers, on rules of their
    companies (``code``: the refusal of the others). Rules without a company apply to the
    leads of ``run_companies(person, 'manager')`` only."""
    if person.role == SYSTEM:
        return None
    if person.role < MANAGER:
        return Refusal(code, {})
    foreign = _foreign(person, rule_company_ids)
    return Refusal('foreign_rule', {'company': foreign}) if foreign else None


# ---------------------------------------------------------------------------------------------
# Routing you can see: credit back
# ---------------------------------------------------------------------------------------------

def check_credit(person, lead_team_ids, lead_company_ids):
    """Crediting leads back to their salesperson (not counted in their 30-day load): sales
    managers, on leads of their companies; a team leader, on leads of the teams they lead."""
    if person.role == SYSTEM:
        return None
    if person.role >= MANAGER:
        foreign = _foreign(person, lead_company_ids)
        return Refusal('foreign_company', {'company': foreign}) if foreign else None
    if person.role < LEADER:
        return Refusal('credit_not_allowed', {})
    outside = [team_id for team_id in lead_team_ids if team_id not in person.led_team_ids]
    return Refusal('credit_not_led', {'team': outside[0]}) if outside else None
