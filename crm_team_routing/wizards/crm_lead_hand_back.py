# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

SCOPES = [
    ('all', 'All open leads'),
    ('untouched', 'Not touched in the last N days'),
]


class CrmLeadHandBack(models.TransientModel):
    """Hand back a salesperson's open leads in a team (they leave, change team, or let leads
    sleep): the preview lists exactly the leads confirming hands back."""
    _name = 'crm.lead.hand.back'
    _description = "Hand Back Leads"

    member_id = fields.Many2one(
        comodel_name='crm.team.member',
        required=True,
        ondelete='cascade',
        default=lambda self: self._default_member_id(),
        help="The salesperson and the team whose open leads are handed back.",
    )
    scope = fields.Selection(
        selection=SCOPES,
        string="Leads",
        required=True,
        default='all',
        help="Every open lead of the salesperson in the team, or only those they have not "
             "touched (stage, message, activity done) nor been given in the last N days.",
    )
    days = fields.Integer(
        default=7,
        help="Not touched in the last N days: the last follow-up, else the assignment, is "
             "older than this.",
    )
    lead_ids = fields.Many2many(
        comodel_name='crm.lead',
        string="Leads Handed Back",
        compute='_compute_lead_ids',
        help="Exactly the leads confirming hands back: open (active, not won), of this "
             "salesperson, in this team.",
    )
    route_now = fields.Boolean(
        string="Route Them Now",
        default=True,
        help="Give them to the other members at once; unticked, they wait in the team for the "
             "next routing run. They never go back to this salesperson in that run.",
    )

    @api.model
    def _default_member_id(self):
        if self.env.context.get('active_model') == 'crm.team.member':
            return self.env.context.get('active_id')
        return False

    def _router(self):
        return self.env['crm.lead.router']

    def _idle_days(self):
        return self.days if self.scope == 'untouched' else None

    @api.depends('member_id', 'scope', 'days')
    def _compute_lead_ids(self):
        router = self._router()
        for wizard in self:
            ids = []
            # Nothing listed to whoever may not hand this member's leads back.
            if wizard.member_id and not router._hand_back_refusal(wizard.member_id):
                ids = [row[0] for row in router._hand_back_rows(wizard.member_id,
                                                                wizard._idle_days())]
            wizard.lead_ids = self.env['crm.lead'].browse(ids)

    @api.constrains('days')
    def _check_days(self):
        for wizard in self:
            if wizard.days < 0:
                raise ValidationError(_("The number of days cannot be negative."))

    @api.model
    def create(self, vals):
        wizard = super(CrmLeadHandBack, self).create(vals)
        self._router()._check_hand_back(wizard.member_id)
        return wizard

    @api.multi
    def action_confirm(self):
        """Hand back the leads the preview lists (the guard leaves out a lead changed since),
        then route them now or leave them to the next run."""
        self.ensure_one()
        router = self._router()
        router._check_hand_back(self.member_id)
        # Checked above: the release, its log rows and the leader's note are the system's.
        # This transaction does nothing else: a large release may commit on its own
        # connections, batches side by side.
        router.sudo()._hand_back(self.member_id, idle_days=self._idle_days(),
                                 route_now=self.route_now, actor=self.env.user,
                                 own_transactions=True)
        return {'type': 'ir.actions.act_window_close'}
