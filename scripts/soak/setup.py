# Set-up over XML-RPC as the administrator: the creators (Sales rights), the salespeople and
# the joiners of each creation phase, the routing teams filtering on the country and their
# members (Setup keeps the ids), and the switch of route-on-create.
from collections import OrderedDict

from .config import (
    ADMIN, COUNTRIES, IMPORT_COUNTRY, JOIN_EVERY, MEMBERS_PER_TEAM, PASSWORD, QUOTA, RUN_COUNTRY,
    SECONDS, TEAMS, say)

PHASES = ('A', 'B', 'C')


class Setup(object):
    """Ids of what the soak created, over XML-RPC as the administrator."""

    def __init__(self, admin):
        self.admin = admin
        codes = [code for code, _weight in COUNTRIES] + [IMPORT_COUNTRY, RUN_COUNTRY]
        self.country = {row['code']: row['id'] for row in admin.call(
            'res.country', 'search_read', [('code', 'in', codes)], fields=['code'])}
        missing = set(codes) - set(self.country)
        if missing:
            raise RuntimeError("countries not found: %s" % sorted(missing))
        self.teams = OrderedDict()     # name -> id
        self.team_codes = {}           # team id -> country codes of its filter
        self.members = []              # crm.team.member ids
        self.salespeople = []          # user ids
        self.joiners = {}              # phase -> user ids of the salespeople joining then
        self.creators = []             # (login, password)
        self.import_team = None

    def user(self, login, name, group_xmlids):
        groups = [self.admin.ref(xmlid) for xmlid in ['base.group_user'] + group_xmlids]
        return self.admin.call('res.users', 'create', {
            'name': name, 'login': login, 'password': PASSWORD,
            'email': '%s@example.com' % login,
            'groups_id': [(6, 0, groups)],
        }, context={'no_reset_password': True, 'tracking_disable': True})

    def team(self, name, codes, leader, on_create=False):
        team_id = self.admin.call('crm.team', 'create', {
            'name': name, 'use_leads': True, 'user_id': leader,
            'assignment_domain': repr([('country_id', 'in', [self.country[c] for c in codes])]),
            'assignment_on_create': on_create,
        })
        self.teams[name] = team_id
        self.team_codes[team_id] = codes
        return team_id

    def member(self, team_id, user_id, quota, client=None):
        member_id = (client or self.admin).call('crm.team.member', 'create', {
            'team_id': team_id, 'user_id': user_id, 'assignment_max': quota})
        self.members.append(member_id)
        return member_id

    def build(self):
        say("set-up over XML-RPC as admin: %d teams, %d routing members (capacity %d each), "
            "creators with Sales rights" % (len(TEAMS), len(TEAMS) * MEMBERS_PER_TEAM, QUOTA))
        self.creators = [ADMIN]
        for login, name, group in [
                ('soak.manager.1', 'Soak Manager 1', 'sales_team.group_sale_manager'),
                ('soak.manager.2', 'Soak Manager 2', 'sales_team.group_sale_manager'),
                ('soak.alldocs', 'Soak All Documents',
                 'sales_team.group_sale_salesman_all_leads')]:
            self.user(login, name, [group])
            self.creators.append((login, PASSWORD))
        for index in range(len(TEAMS) * MEMBERS_PER_TEAM):
            self.salespeople.append(self.user(
                'soak.sales.%d' % (index + 1), 'Soak Salesperson %d' % (index + 1),
                ['sales_team.group_sale_salesman']))
        for phase in PHASES:
            self.joiners[phase] = [self.user(
                'soak.joiner.%s.%d' % (phase.lower(), index + 1),
                'Soak Joiner %s%d' % (phase, index + 1), ['sales_team.group_sale_salesman'])
                for index in range(max(1, int(SECONDS / JOIN_EVERY)))]
        for number, (name, codes, _on_create) in enumerate(TEAMS):
            users = self.salespeople[number * MEMBERS_PER_TEAM:(number + 1) * MEMBERS_PER_TEAM]
            team_id = self.team(name, codes, leader=users[0])
            for user_id in users:
                self.member(team_id, user_id, QUOTA)
        writers = self.admin.call('ir.config_parameter', 'get_param',
                                  'crm_team_routing.parallel_writers')
        say("crm_team_routing.parallel_writers = %s (the module's default, untouched)" % writers)

    def set_on_create(self, names, value):
        ids = [self.teams[name] for name in names]
        if ids:
            self.admin.call('crm.team', 'write', ids, {'assignment_on_create': value})

    @property
    def routing_team_ids(self):
        return [self.teams[name] for name, _codes, _on_create in TEAMS]

    @property
    def routing_country_ids(self):
        return [self.country[code] for _name, codes, _on in TEAMS for code in codes]
