# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from psycopg2 import sql
from psycopg2.extras import execute_values

from odoo import _, api, fields, models, tools
from odoo.exceptions import ValidationError

from ..routing import keys, policy
from ..routing.reasons import text as reason_text
from .mail_followers import LEAD_FOLLOWER_FIELDS
from .res_partner import fill_keys

_logger = logging.getLogger(__name__)

# Columns indexed only where set (``init``): the matching keys (with the existing account's,
# crm_lead_account.py) and the dates routing compares.
PARTIAL_INDEXES = ('assignment_date', 'last_followup_date', 'email_normalized', 'phone_sanitized',
                   'vat_key', 'company_name_key', 'email_domain')

SHARE_STATES = [
    ('none', 'Not shared'),
    ('to_share', 'To share'),
    ('shared', 'Shared'),
]


class CrmLead(models.Model):
    _inherit = 'crm.lead'

    score = fields.Float(
        default=0.0,
        index=True,
        readonly=True,
        copy=False,
        help="Sum of the points of the active scoring rules the lead matches; refreshed before "
             "each routing run and when the lead is created.",
    )
    shared_user_ids = fields.Many2many(
        comodel_name='res.users',
        relation='crm_lead_shared_user_rel',
        column1='lead_id',
        column2='user_id',
        string="Shared With",
        copy=False,
        help="These users may read the lead and its history, nothing more.",
    )
    routing_shared_readonly = fields.Boolean(
        string="Shared with You, Read Only",
        compute='_compute_routing_shared_readonly',
        help="This lead is shared with you to read: you may not change it, post on it or "
             "follow it.",
    )
    share_state = fields.Selection(
        selection=SHARE_STATES,
        string="Sharing Status",
        default='none',
        required=True,
        copy=False,
        help="Sharing status: 'To share' leads are shared by their campaign's share rules, "
             "then marked 'Shared'.",
    )
    assignment_date = fields.Datetime(
        readonly=True,
        copy=False,
        help="When the lead was last given to its current salesperson, by routing, by the "
             "mass assignment or by hand.",
    )
    last_followup_date = fields.Datetime(
        string="Last Follow-up",
        readonly=True,
        copy=False,
        help="Last time the lead's own salesperson followed it up: stage or type changed, a "
             "message, note or email posted, an activity done.",
    )
    sla_reassign_count = fields.Integer(
        string="Take-backs",
        default=0,
        readonly=True,
        copy=False,
        help="How many times the lead was taken back because nobody followed it up in time.",
    )
    sla_deadline = fields.Datetime(
        string="Follow Up Before",
        compute='_compute_sla_deadline',
        help="When the lead will be taken back if its salesperson has not followed it up "
             "(wall-clock hours; teams counting working hours only allow more).",
    )
    assignment_log_ids = fields.One2many(
        comodel_name='crm.lead.assignment.log',
        inverse_name='lead_id',
        string="Assignment History",
        readonly=True,
    )
    email_normalized = fields.Char(
        string="Normalized Email",
        compute='_compute_email_normalized',
        store=True,
        copy=False,
        help="The first address of the email, lower-cased, without display name: how routing "
             "recognises a customer who writes again.",
    )
    phone_sanitized = fields.Char(
        string="Phone (E.164)",
        compute='_compute_phone_sanitized',
        store=True,
        copy=False,
        help="The mobile, else the phone, in international format (+84912345678): how routing "
             "recognises a customer who calls again; empty when the number is not valid.",
    )
    same_customer_count = fields.Integer(
        string="Same Customer",
        compute='_compute_same_customer_count',
        help="Open leads and opportunities of the same customer, email or phone that you may "
             "read.",
    )

    @api.model_cr_context
    def _auto_init(self):
        # New key columns are filled here, in SQL batches, before the ORM would compute them
        # record by record (and before their indexes exist: built once, not maintained).
        cr = self.env.cr
        new = [name for name in ('email_normalized', 'phone_sanitized')
               if not tools.column_exists(cr, self._table, name)]
        for name in new:
            tools.create_column(cr, self._table, name, 'varchar', self._fields[name].string)
        if new:
            self._routing_fill_keys()
        return super(CrmLead, self)._auto_init()

    @api.depends('assignment_date', 'last_followup_date', 'user_id',
                 'team_id.assignment_sla_hours')
    def _compute_sla_deadline(self):
        for lead in self:
            hours = lead.team_id.sudo().assignment_sla_hours
            followed = lead.last_followup_date and lead.assignment_date \
                and lead.last_followup_date >= lead.assignment_date
            if hours and lead.user_id and lead.assignment_date and not followed:
                lead.sla_deadline = fields.Datetime.to_string(
                    fields.Datetime.from_string(lead.assignment_date) + timedelta(hours=hours))
            else:
                lead.sla_deadline = False

    @api.depends('shared_user_ids')
    def _compute_routing_shared_readonly(self):
        readonly = self._routing_shared_readonly_ids()
        for lead in self:
            lead.routing_shared_readonly = lead.id in readonly

    @api.model_cr
    def init(self):
        # Columns most leads leave empty are indexed where they are set only: every write of
        # a lead (10,000 at once when a salesperson leaves) adds an entry to each index it
        # belongs to, and searches compare them with a value, never with nothing.
        for column in PARTIAL_INDEXES:
            query = sql.SQL("""
                CREATE INDEX IF NOT EXISTS {index} ON crm_lead ({column})
                 WHERE {column} IS NOT NULL
            """).format(index=sql.Identifier('crm_lead_%s_set_idx' % column),
                        column=sql.Identifier(column)).as_string(self.env.cr._obj)
            self.env.cr.execute(query)
        # The leads a campaign's share rules wait for (the share rules' only search on it).
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_to_share_idx
                ON crm_lead (campaign_id) WHERE share_state = 'to_share'
        """)
        # Candidates of a routing run are a small part of a large table: index just them.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_routing_candidate_idx
                ON crm_lead (team_id) WHERE user_id IS NULL AND active
        """)
        # The 30-day count of each membership.
        self.env.cr.execute("""
            CREATE INDEX IF NOT EXISTS crm_lead_routing_load_idx
                ON crm_lead (team_id, user_id, assignment_date) WHERE user_id IS NOT NULL
        """)

    # ------------------------------------------------------------------------------------------
    # Matching keys (the existing owner step) and the "Same customer" button
    # ------------------------------------------------------------------------------------------

    @api.depends('email_from')
    def _compute_email_normalized(self):
        for lead in self:
            lead.email_normalized = keys.normalize_email(lead.email_from) or False

    @api.depends('phone', 'mobile', 'country_id', 'company_id')
    def _compute_phone_sanitized(self):
        default = self.env['res.partner']._routing_phone_default_region()
        for lead in self:
            # The company's country is configuration the lead's reader may not read.
            region = keys.region_code(lead.country_id.code,
                                      lead.sudo().company_id.country_id.code, default)
            lead.phone_sanitized = keys.sanitize_phones([lead.mobile, lead.phone],
                                                        region) or False

    @api.model
    def _routing_fill_keys(self):
        """``email_normalized`` and ``phone_sanitized`` of every lead, in SQL batches (install,
        upgrade): 100,000 leads in seconds where the ORM takes minutes."""
        default = self.env['res.partner']._routing_phone_default_region()
        fill_keys(self.env.cr, 'crm_lead', """
            SELECT l.id, l.email_from, l.phone, l.mobile, country.code, company_country.code
              FROM crm_lead l
              LEFT JOIN res_country country ON country.id = l.country_id
              LEFT JOIN res_company company ON company.id = l.company_id
              -- A company's address, country included, is that of its partner.
              LEFT JOIN res_partner company_partner ON company_partner.id = company.partner_id
              LEFT JOIN res_country company_country
                        ON company_country.id = company_partner.country_id
             WHERE l.id > %(after)s
               AND (l.email_from IS NOT NULL OR l.phone IS NOT NULL OR l.mobile IS NOT NULL)
             ORDER BY l.id LIMIT %(limit)s
        """, lambda row: (
            keys.normalize_email(row[0]),
            keys.sanitize_phones([row[2], row[1]], keys.region_code(row[3], row[4], default)),
        ), ['email_normalized', 'phone_sanitized'])
        self.invalidate_cache(['email_normalized', 'phone_sanitized'])

    @api.multi
    def _get_same_customer_domain(self):
        """Open leads and opportunities of this lead's company sharing its customer (commercial
        entity), email or phone; this lead excluded. None when the lead has no key."""
        self.ensure_one()
        keys_domain = []
        partner = self.partner_id.commercial_partner_id
        if partner:
            keys_domain.append([('partner_id', 'child_of', partner.id)])
        if self.email_normalized:
            keys_domain.append([('email_normalized', '=', self.email_normalized)])
        if self.phone_sanitized:
            keys_domain.append([('phone_sanitized', '=', self.phone_sanitized)])
        if not keys_domain:
            return None
        domain = ['|'] * (len(keys_domain) - 1) + [leaf for part in keys_domain for leaf in part]
        return [('id', '!=', self.id), ('probability', '<', 100),
                ('company_id', '=', self.company_id.id)] + domain

    @api.depends('partner_id', 'email_from', 'phone', 'mobile')
    def _compute_same_customer_count(self):
        for lead in self:
            domain = lead._get_same_customer_domain() if isinstance(lead.id, int) else None
            # As the current user: the count is of what they may open.
            lead.same_customer_count = self.search_count(domain) if domain else 0

    @api.multi
    def action_view_same_customer(self):
        """Button: the open leads and opportunities of the same customer, email or phone,
        those the current user may read."""
        self.ensure_one()
        return {
            'type': 'ir.actions.act_window',
            'name': _("Same customer"),
            'res_model': 'crm.lead',
            'view_mode': 'tree,form',
            'views': [(False, 'tree'), (False, 'form')],
            'domain': self._get_same_customer_domain() or [('id', '=', 0)],
            'context': {'create': False},
        }

    # ------------------------------------------------------------------------------------------
    # ORM overrides
    # ------------------------------------------------------------------------------------------

    @api.model
    def create(self, vals):
        # Core's mail.thread.create adds the creator's follower to the dict it is given: when
        # the RPC layer retries a call after a serialization failure, it passes the same dict
        # again and the creation fails ("partner cannot follow twice"). Give it a copy.
        vals = dict(vals)
        if vals.get('user_id') and not vals.get('assignment_date'):
            vals['assignment_date'] = fields.Datetime.now()
        lead = super(CrmLead, self).create(vals)
        if vals.get('shared_user_ids') and lead.shared_user_ids \
                and vals.get('share_state', 'none') == 'none':
            # The care status is the system's: the sharing itself was checked (crm_lead_rights).
            lead.sudo().write({'share_state': 'shared'})
        rules = self.env['crm.lead.scoring.rule'].sudo()
        # Scoring rules and teams are configuration the creator may not read: sudo to apply them.
        score = rules._routing_scores([('id', '=', lead.id)],
                                      {lead.id: lead.company_id.id})[lead.id]
        if score:
            self._routing_write_scores({lead.id: score})
        if lead.user_id:
            self.env['crm.lead.assignment.log']._routing_insert(
                [(lead.id, lead.team_id.id, lead.user_id.id, 'manual',
                  reason_text('manual_created', salesperson=lead.user_id.name),
                  lead.company_id.id)],
                fields.Datetime.now())
        elif not self.env.context.get('crm_team_routing_no_route'):
            lead._routing_route_on_create()
        return lead

    def _routing_route_on_create(self):
        """Route the lead, once its creation is committed, through the teams that route new
        leads of its company (the router gathers every lead of the transaction in one run)."""
        # Which teams route new leads is configuration the creator may not read.
        teams = self.env['crm.team'].sudo().search([
            ('assignment_on_create', '=', True), ('assignment_optout', '=', False),
            '|', ('company_id', '=', False), ('company_id', '=', self.company_id.id)])
        if teams:
            self.env['crm.lead.router']._route(teams.sudo(self.env.uid), leads=self,
                                               mode='create')

    @api.multi
    def write(self, vals):
        if 'user_id' in vals:
            # Only the leads whose salesperson changes are (re)assigned: rewriting the same one
            # neither restarts the SLA clock nor writes a 'manual' row.
            previous = {lead.id: lead.user_id.id for lead in self}
            changed = self.filtered(lambda lead: lead.user_id.id != (vals['user_id'] or False))
            res = super(CrmLead, self).write(vals)
            if changed:
                changed._routing_set_assignment_date(vals['user_id'])
                changed._routing_log_manual(previous)
                changed._routing_unfollow_previous(previous)
                self.env['crm.lead.router']._ladder_reassigned(changed, self.env.uid)
        else:
            res = super(CrmLead, self).write(vals)
        if 'stage_id' in vals or 'type' in vals:
            self._routing_touch()
        if 'shared_user_ids' in vals and 'share_state' not in vals:
            for state, leads in (('shared', self.filtered('shared_user_ids')),
                                 ('none', self.filtered(lambda lead: not lead.shared_user_ids))):
                # The care status is the system's: the sharing itself was checked.
                leads.filtered(lambda lead: lead.share_state != state).sudo().write(
                    {'share_state': state})
        return res

    @api.multi
    def _routing_set_assignment_date(self, user_id):
        """The leads were given to ``user_id`` (False: taken from their salesperson) by hand: a
        system field, written in one statement after the caller's values were checked."""
        self.env.cr.execute("UPDATE crm_lead SET assignment_date = %s WHERE id = ANY(%s)",
                            (fields.Datetime.now() if user_id else None, self.ids))
        self.invalidate_cache(['assignment_date', 'sla_deadline'], self.ids)

    @api.constrains('shared_user_ids', 'company_id')
    def _check_shared_user_ids(self):
        for lead in self.sudo():
            strangers = lead.shared_user_ids.filtered(
                lambda user: user.share or (lead.company_id
                                            and lead.company_id not in user.company_ids))
            if strangers:
                raise ValidationError(_("Lead %(lead)s: %(user)s cannot read it; leads are "
                                        "shared with internal users of their company only.")
                                      % {'lead': lead.name, 'user': strangers[0].name})

    @api.multi
    @api.returns('mail.message', lambda value: value.id)
    def message_post(self, body='', subject=None, message_type='notification', subtype=None,
                     parent_id=False, attachments=None, content_subtype='html', **kwargs):
        message = super(CrmLead, self).message_post(
            body=body, subject=subject, message_type=message_type, subtype=subtype,
            parent_id=parent_id, attachments=attachments, content_subtype=content_subtype,
            **kwargs)
        # A message, note or email, or an activity marked done (core posts it with its type);
        # not the tracking of a change of field.
        if kwargs.get('mail_activity_type_id') or (
                message_type in ('comment', 'email') and not kwargs.get('tracking_value_ids')):
            self._routing_touch()
        return message

    @api.multi
    def _routing_touch(self):
        """The lead's own salesperson followed it up: one statement, no tracking, no
        ``write_date``. Other people, crons and incoming emails (the superuser) touch nothing."""
        if not self.ids or self.env['crm.lead.router']._routing_person().role == policy.SYSTEM:
            return
        now = fields.Datetime.now()
        self.env.cr.execute("""
            UPDATE crm_lead SET last_followup_date = %s WHERE id = ANY(%s) AND user_id = %s
        """, (now, self.ids, self.env.uid))
        self.invalidate_cache(['last_followup_date', 'sla_deadline'], self.ids)
        # Speed to lead: the first touch of the assignment (the routing report).
        self.env['crm.lead.assignment.log']._routing_record_touch(self.ids, now, self.env.uid)

    def _routing_log_manual(self, previous):
        """A ``manual`` row per lead: its salesperson was changed by hand, from ``previous``
        ({lead_id: user_id})."""
        now = fields.Datetime.now()
        user = self.env.user
        removed = reason_text('manual_removed', user=user.name)
        rows = []
        for lead in self:
            node = reason_text('manual_set', salesperson=lead.user_id.name, user=user.name) \
                if lead.user_id else removed
            rows.append((lead.id, lead.team_id.id, lead.user_id.id, 'manual', node,
                         lead.company_id.id))
        self.env['crm.lead.assignment.log']._routing_insert(rows, now, previous=previous)

    @api.model
    def _onchange_user_values(self, user_id):
        """Core moves a lead to the salesperson's default team unless they are a core member of
        the lead's team: routing members, the team leader and its fallback salesperson are
        members too."""
        team_id = self.env.context.get('team_id')
        if user_id and team_id:
            team = self.env['crm.team'].sudo().browse(team_id)
            if user_id in (team.user_id | team.routing_member_ids.mapped('user_id')
                           | team.assignment_fallback_user_id).ids:
                return {}
        return super(CrmLead, self)._onchange_user_values(user_id)

    # ------------------------------------------------------------------------------------------
    # Routing helpers: set-based reads and writes used by the engine
    # ------------------------------------------------------------------------------------------

    @api.model
    def _routing_select(self, domain, columns, flat=False, order=None, keep_lang=False):
        """Rows of ``columns`` for the leads matching ``domain``, in one query, unordered
        unless ``order`` (an SQL ORDER BY list on crm_lead's columns, never user input) says.

        The ORM's search would sort and read full records; routing needs ids and a few numbers
        for up to millions of leads. The domain is turned into SQL by the ORM itself (record
        rules of the current user apply, none under sudo).
        """
        # Routing means the same whoever runs it: names are compared as written in the code,
        # unless the caller chose a filter's own language (``keep_lang``: the router's
        # ``_filter_select``, in the language of the person who saved the filter).
        if not keep_lang:
            self = self.with_context(lang=None)
        query = self._where_calc(domain)
        self._apply_ir_rules(query, 'read')
        from_clause, where_clause, params = query.get_sql()
        select = ', '.join('"crm_lead"."%s"' % column for column in columns)
        self.env.cr.execute('SELECT %s FROM %s WHERE %s%s' % (
            select, from_clause, where_clause or 'TRUE',
            ' ORDER BY %s' % order if order else ''), params)
        rows = self.env.cr.fetchall()
        return [row[0] for row in rows] if flat else rows

    @api.model
    def _routing_write_scores(self, scores):
        """Write {lead_id: score} in one statement per batch."""
        if not scores:
            return
        execute_values(self.env.cr, """
            UPDATE crm_lead SET score = v.score FROM (VALUES %s) AS v(id, score)
             WHERE crm_lead.id = v.id
        """, list(scores.items()), template='(%s, %s::float8)', page_size=10000)
        self.invalidate_cache(['score'], list(scores))

    @api.model
    def _routing_last_log_kinds(self, lead_ids):
        """{lead_id: kind of its latest log row}."""
        if not lead_ids:
            return {}
        self.env.cr.execute("""
            SELECT DISTINCT ON (lead_id) lead_id, kind FROM crm_lead_assignment_log
             WHERE lead_id = ANY(%s) ORDER BY lead_id, id DESC
        """, (list(lead_ids),))
        return dict(self.env.cr.fetchall())

    @api.model
    def _routing_current_users(self, lead_ids):
        """{lead_id: user_id} of the leads now."""
        if not lead_ids:
            return {}
        self.env.cr.execute("SELECT id, user_id FROM crm_lead WHERE id = ANY(%s)",
                            (list(lead_ids),))
        return dict(self.env.cr.fetchall())

    @api.multi
    def _routing_unfollow_previous(self, previous):
        """Followers follow the rights: once a lead changed salesperson, the previous one
        (``previous``: {lead_id: user_id}) stops following it, unless they still may write it:
        leader of its team, 'All Documents' user or manager (a user it is shared with only
        reads it, and readers never follow). One statement for all the leads (10,000 SLA
        take-backs included)."""
        ids = set(self.ids)
        pairs = [(lead_id, user_id) for lead_id, user_id in previous.items()
                 if user_id and lead_id in ids]
        if not pairs:
            return
        # res_groups_users_rel holds implied groups too: managers are 'All Documents' users.
        self.env.cr.execute("""
            DELETE FROM mail_followers AS follower
             USING unnest(%(leads)s::int[], %(users)s::int[]) AS v(lead_id, user_id)
              JOIN crm_lead lead ON lead.id = v.lead_id
              JOIN res_users person ON person.id = v.user_id
              LEFT JOIN crm_team team ON team.id = lead.team_id
             WHERE follower.res_model = 'crm.lead' AND follower.res_id = v.lead_id
               AND follower.partner_id = person.partner_id
               AND lead.user_id IS DISTINCT FROM v.user_id
               AND team.user_id IS DISTINCT FROM v.user_id
               AND NOT EXISTS (SELECT 1 FROM res_groups_users_rel member
                                WHERE member.uid = v.user_id AND member.gid = %(all_leads)s)
         RETURNING follower.res_id
        """, {
            'leads': [pair[0] for pair in pairs],
            'users': [pair[1] for pair in pairs],
            'all_leads': self.env.ref(policy.READ_ALL_GROUP).id,
        })
        lead_ids = [row[0] for row in self.env.cr.fetchall()]
        if lead_ids:
            self.env['mail.followers'].invalidate_cache()
            self.invalidate_cache(LEAD_FOLLOWER_FIELDS, lead_ids)

    # ------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------

    @api.multi
    def _action_route_leads(self):
        """Server action "Route leads" (automated actions): route these leads through every
        routing team of their companies, once the transaction that fired it is committed.
        The router's gate checks that the caller may write them."""
        companies = self.sudo().mapped('company_id')
        # Which teams route is configuration the caller may not read; the gate runs next.
        teams = self.env['crm.team'].sudo().search(
            self.env['crm.team']._get_routing_team_domain()
            + ['|', ('company_id', '=', False), ('company_id', 'in', companies.ids)])
        self.env['crm.lead.router']._route(teams.sudo(self.env.uid), leads=self,
                                           mode='server_action')
        return True

    @api.multi
    def action_share_with_users(self, users):
        """Share these leads read-only with ``users``, by the one sharing policy
        (``crm.lead.router._check_share``): leaders share leads of the teams they lead with
        their people, nobody shares with a user outside the leads' companies."""
        users = self.env['res.users'].browse(getattr(users, 'ids', users))
        if not users:
            return True
        self.env['crm.lead.router']._check_share(self, users)
        # Checked above: the shared rows and the log are written as the system.
        self.sudo()._routing_share(users.sudo(), reason_text(
            'share', users=', '.join(users.sudo().mapped('name'))))
        return True

    @api.multi
    def _routing_share(self, users, reason):
        """Share these leads read-only with ``users`` and mark them shared, with a ``share`` log
        row each (``reason``: a ``routing.reasons`` node): a few set-based statements whatever
        the number of leads (the wizard, the share rules). The callers check who may share."""
        if not self or not users:
            return
        cr = self.env.cr
        now = fields.Datetime.now()
        cr.execute("""
            INSERT INTO crm_lead_shared_user_rel (lead_id, user_id)
            SELECT lead_id, user_id FROM unnest(%s::int[]) AS lead_id
                   CROSS JOIN unnest(%s::int[]) AS user_id
            ON CONFLICT DO NOTHING
        """, (self.ids, users.ids))
        cr.execute("""
            UPDATE crm_lead SET share_state = 'shared', write_date = %s, write_uid = %s
             WHERE id = ANY(%s)
         RETURNING id, team_id, company_id
        """, (now, self.env.uid, self.ids))
        self.env['crm.lead.assignment.log']._routing_insert(
            [(lead_id, team_id, False, 'share', reason, company_id)
             for lead_id, team_id, company_id in cr.fetchall()], now)
        self.invalidate_cache(['shared_user_ids', 'share_state', 'write_date', 'write_uid'],
                              self.ids)
