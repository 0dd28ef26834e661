# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import AccessError

RELATIONS = [
    ('mine', 'Mine'),
    ('shared', 'Shared with me'),
]


class CrmLeadUi(models.Model):
    """What a lead is to the person reading it: theirs, or shared with them to read. The lists
    and kanban cards show it, so that a salesperson tells her own leads from the others."""
    _inherit = 'crm.lead'

    routing_relation = fields.Selection(
        selection=RELATIONS,
        string="Yours",
        compute='_compute_routing_relation',
        help="Mine: you are its salesperson. Shared with me: shared with you to read only. "
             "Empty: a lead you see through your team or your rights.",
    )

    @api.depends('user_id', 'shared_user_ids')
    def _compute_routing_relation(self):
        """Two facts per record, read for the whole page in one query: the salesperson
        (already in the cache of a list) and the sharing rows of the current user."""
        uid = self.env.uid
        lead_ids = [lead_id for lead_id in self.ids if isinstance(lead_id, int)]
        shared = set()
        if lead_ids:
            self.env.cr.execute("SELECT lead_id FROM crm_lead_shared_user_rel "
                                "WHERE user_id = %s AND lead_id = ANY(%s)", (uid, lead_ids))
            shared = {row[0] for row in self.env.cr.fetchall()}
        for lead in self:
            if lead.user_id.id == uid:
                lead.routing_relation = 'mine'
            elif lead.id in shared:
                lead.routing_relation = 'shared'
            else:
                lead.routing_relation = False

    @api.model
    def _routing_link_target(self, lead_id):
        """Where a digest's link to lead ``lead_id`` takes the current user: {'url': the lead's
        form} when they may read it, else {'message': why not}, in their language.

        Whether the lead exists, who holds it now and whether the reader held it are read as
        the system, and said only to someone the assignment log shows held the lead (a digest
        gave it to them): to anyone else, a lead that does not exist and a lead of someone else
        read the same, so that the link reveals nothing of leads never theirs."""
        lead = self.browse(lead_id).exists()
        readable = bool(lead) and self._routing_may_read(lead)
        if readable:
            return {'url': '/web#id=%d&model=crm.lead&view_type=form' % lead_id}
        # Not readable: the facts below are the system's, shown only to a former holder.
        held = self.env['crm.lead.assignment.log'].sudo().search_count([
            ('lead_id', '=', lead_id), '|', ('user_id', '=', self.env.uid),
            ('previous_user_id', '=', self.env.uid)])
        lead = lead.sudo().with_context(active_test=False).exists()
        if not held or not lead:
            return {'message': _("This lead is not yours, or no longer exists: you may not "
                                 "open it.")}
        if lead.user_id:
            return {'message': _("The lead \"%(lead)s\" is no longer yours: it was reassigned "
                                 "to %(user)s.") % {'lead': lead.name,
                                                    'user': lead.user_id.name}}
        return {'message': _("The lead \"%s\" is no longer yours: it was taken back and waits "
                             "for another salesperson.") % lead.name}

    @api.model
    def _routing_may_read(self, lead):
        """Whether the current user may read ``lead`` (access rights and record rules)."""
        try:
            lead.check_access_rights('read')
            lead.check_access_rule('read')
        except AccessError:
            return False
        return True
