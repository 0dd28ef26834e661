# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared fixtures: users of each group, teams with routing members, a lead factory.

Nothing here relies on demo data; tests run as the real users (``sudo(user)``), never as admin
(uid 1 skips record rules in 11.0).
"""
from contextlib import contextmanager

from odoo.tests import common


def set_other_records_aside(env):
    """The tests work on their own records only, whatever else the database holds (demo data,
    as Odoo's and OCA's CI load it, or other modules' data): waiting leads would join routing
    runs, scoring rules add points, routing members make routing teams, share rules share, and a
    team routing on creation takes new leads. Rolled back with the test."""
    env.cr.execute("UPDATE crm_lead SET active = FALSE WHERE user_id IS NULL")
    env.cr.execute("UPDATE crm_lead_scoring_rule SET active = FALSE")
    env.cr.execute("UPDATE crm_lead_share_rule SET active = FALSE")
    env.cr.execute("UPDATE crm_team_member SET active = FALSE")
    env.cr.execute("UPDATE crm_team SET assignment_on_create = FALSE")
    env['crm.lead'].invalidate_cache()  # the whole cache, in 11.0


@common.at_install(False)
@common.post_install(True)
class RoutingCase(common.SavepointCase):

    @classmethod
    def setUpClass(cls):
        super(RoutingCase, cls).setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True,
                                       mail_notify_force_send=False))
        cls.Lead = cls.env['crm.lead']
        cls.Team = cls.env['crm.team']
        cls.Member = cls.env['crm.team.member']
        cls.company = cls.env.ref('base.main_company')
        set_other_records_aside(cls.env)
        cls.manager = cls.create_user('routing_manager', 'sales_team.group_sale_manager')
        cls.all_leads = cls.create_user('routing_all', 'sales_team.group_sale_salesman_all_leads')
        cls.leader_north = cls.create_user('routing_leader_north',
                                           'crm_team_routing.group_sale_team_leader')
        cls.leader_south = cls.create_user('routing_leader_south',
                                           'crm_team_routing.group_sale_team_leader')
        cls.sales = [cls.create_user('routing_sales_%d' % index, 'sales_team.group_sale_salesman')
                     for index in range(1, 5)]
        # An employee with no Sales rights at all, and a customer's portal account.
        cls.employee = cls.create_user('routing_employee', 'base.group_user')
        cls.portal = cls.create_user('routing_portal', 'base.group_portal')
        cls.country_vn = cls.env.ref('base.vn')
        cls.country_fr = cls.env.ref('base.fr')
        cls.country_us = cls.env.ref('base.us')

    @classmethod
    def create_user(cls, login, group_xmlid, **values):
        return cls.env['res.users'].with_context(no_reset_password=True).create(dict({
            'name': login.replace('_', ' ').title(),
            'login': login,
            'email': '%s@example.com' % login,
            'groups_id': [(6, 0, [cls.env.ref(group_xmlid).id])],
            'company_id': cls.company.id,
            'company_ids': [(6, 0, [cls.company.id])],
        }, **values))

    @classmethod
    def create_company_b(cls):
        """A second company ("project") with its own sales manager, who may not work in the
        first one."""
        cls.company_b = cls.env['res.company'].create({'name': 'Routing Project B'})
        cls.manager_b = cls.create_user('routing_manager_b', 'sales_team.group_sale_manager',
                                        company_id=cls.company_b.id,
                                        company_ids=[(6, 0, [cls.company_b.id])])

    @classmethod
    def share(cls, leads, *users):
        """Share ``leads`` read-only with ``users``, as a manager would by hand."""
        leads.write({'shared_user_ids': [(4, user.id) for user in users]})

    @classmethod
    def create_team(cls, name, leader=None, domain='[]', members=(), **values):
        """``members``: iterable of (user, capacity) or (user, capacity, domain)."""
        team = cls.Team.create(dict({
            'name': name,
            'user_id': leader.id if leader else False,
            'assignment_domain': domain,
            'company_id': cls.company.id,
        }, **values))
        for member in members:
            user, capacity = member[0], member[1]
            cls.Member.create({
                'team_id': team.id,
                'user_id': user.id,
                'assignment_max': capacity,
                'assignment_domain': member[2] if len(member) > 2 else '[]',
            })
        return team

    @classmethod
    def create_north_south(cls, south_sales):
        """Team North led by leader_north with sales 1 and 2, team South led by leader_south
        with ``south_sales``; all members take 30 leads."""
        cls.north = cls.create_team('North', leader=cls.leader_north,
                                    members=[(cls.sales[0], 30), (cls.sales[1], 30)])
        cls.south = cls.create_team('South', leader=cls.leader_south,
                                    members=[(user, 30) for user in south_sales])

    @classmethod
    def create_leads(cls, count, prefix='Lead', **values):
        """``count`` leads arriving with no salesperson and no team (mail gateway, web form)."""
        vals = dict({'user_id': False, 'team_id': False, 'type': 'lead'}, **values)
        Lead = cls.Lead.with_context(crm_team_routing_no_route=True)
        return cls.Lead.browse([
            Lead.create(dict(vals, name='%s %d' % (prefix, index))).id
            for index in range(count)])

    @classmethod
    def create_owned(cls, user, team, name='Owned', lead_type='opportunity', assigned=None,
                     **values):
        """An open lead or opportunity of ``team`` owned by ``user`` (created by hand, hence a
        ``manual`` log row), assigned at ``assigned`` (a datetime string; default: now)."""
        lead = cls.Lead.with_context(crm_team_routing_no_route=True).create(dict({
            'name': name,
            'type': lead_type,
            'user_id': user.id,
            'team_id': team.id if team else False,
        }, **values))
        if assigned:
            lead.write({'assignment_date': assigned})
        return lead

    @classmethod
    def create_customer(cls, name, user=None, **values):
        """A customer (res.partner), with ``user`` as its salesperson."""
        return cls.env['res.partner'].create(dict({
            'name': name,
            'customer': True,
            'user_id': user.id if user else False,
        }, **values))

    def member_of(self, team, user):
        return team.routing_member_ids.filtered(lambda member: member.user_id == user)

    def route(self, teams=None, leads=None, user=None, **kwargs):
        """Route as ``user`` (default: the superuser, for runs that are not about rights)."""
        teams = teams if teams is not None else self.Team.search(
            self.Team._get_routing_team_domain())
        if user is not None:
            teams = teams.sudo(user)
            leads = leads.sudo(user) if leads is not None else None
        result = teams._action_assign_leads(leads=leads, **kwargs)
        self.env['crm.lead'].invalidate_cache()
        return result

    def mass_assign(self, user, leads, **values):
        """The mass assignment wizard opened by ``user`` on ``leads`` (not applied yet)."""
        return self.env['crm.lead.mass.assign'].sudo(user).with_context(
            active_model='crm.lead', active_ids=leads.ids).create(values)

    def counts_by_user(self, leads):
        counts = {}
        for lead in leads:
            counts[lead.user_id] = counts.get(lead.user_id, 0) + 1
        return counts

    def assertSees(self, user, leads, expected):
        """``user`` finds exactly ``expected`` among ``leads`` by search."""
        found = self.Lead.sudo(user).search([('id', 'in', leads.ids)])
        self.assertEqual(found, expected, "%s sees %s, expected %s" % (
            user.login, found.mapped('name'), expected.mapped('name')))

    @contextmanager
    def assertRaisesFor(self, exception, who):
        """``assertRaises`` that names ``who`` (a user, a filter) when nothing is raised: Odoo
        11's ``assertRaises`` drops unittest's ``msg``."""
        try:
            with self.assertRaises(exception) as caught:
                yield caught
        except AssertionError as error:
            raise AssertionError('%s: %s' % (who, error)) from None

    def assertFollows(self, user, lead, expected=True):
        """``user`` follows ``lead`` (or not, when ``expected`` is False)."""
        lead.invalidate_cache()
        follows = user.partner_id in lead.message_partner_ids
        self.assertEqual(follows, expected, "%s %s %s" % (
            user.login, 'does not follow' if expected else 'still follows', lead.name))

    def routed_to(self, user, team, count=1, prefix='Lead', **values):
        """``count`` new leads routed to ``user`` in ``team`` (its other members paused
        meanwhile)."""
        others = team.routing_member_ids.filtered(lambda member: member.user_id != user)
        others.write({'assignment_optout': True})
        leads = self.create_leads(count, prefix=prefix, **values)
        self.route(team, leads=leads)
        others.write({'assignment_optout': False})
        self.assertEqual(leads.mapped('user_id'), user)
        return leads

    def age(self, leads, hours_ago, log=False):
        """``leads`` assigned ``hours_ago`` hours ago (with ``log``, their log rows written
        then too)."""
        self.env.cr.execute("""
            UPDATE crm_lead SET assignment_date = now() at time zone 'UTC' - %s * interval '1 hour'
             WHERE id = ANY(%s)
        """, (hours_ago, leads.ids))
        if log:
            self.env.cr.execute("""
                UPDATE crm_lead_assignment_log
                   SET date = now() at time zone 'UTC' - %s * interval '1 hour'
                 WHERE lead_id = ANY(%s)
            """, (hours_ago, leads.ids))
            self.env['crm.lead.assignment.log'].invalidate_cache()
        leads.invalidate_cache()


def ensure_vietnamese(env):
    """Vietnamese active WITH its translations (core's and this module's), once per test
    transaction: the demo data only activates the language for its Vietnamese people (``make
    run`` loads the translations), so "is the language there" is not the question."""
    if env.ref('base.vn').with_context(lang='vi_VN').name != 'Việt Nam':
        env['base.language.install'].create({'lang': 'vi_VN'}).lang_install()
        env.cache.invalidate()  # the names read in Vietnamese before the translations came
