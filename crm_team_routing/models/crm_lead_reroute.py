# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Server action "Re-route leads" (``crm_team_routing.action_server_reroute_leads``): the leads
an automated action on update runs on are routed again (``crm.lead.router._reroute``)."""
from odoo import api, models


class CrmLeadReroute(models.Model):
    _inherit = 'crm.lead'

    @api.multi
    def _action_reroute_leads(self, field_names=None):
        """Re-route these leads. ``field_names``: only the leads whose value of one of these
        fields changed in the update that fired the automated action (Odoo gives the values
        before it as ``old_values`` in the context); without it, or outside an update, every
        one of them."""
        leads = self._routing_changed(field_names) if field_names else self
        if leads:
            self.env['crm.lead.router']._reroute(leads)
        return True

    @api.multi
    def _routing_changed(self, field_names):
        """The leads whose value of one of ``field_names`` differs from ``old_values`` (the
        context of an automated action on update); all of them when there is none."""
        old_values = self.env.context.get('old_values')
        if not old_values:
            return self

        def plain(value):
            if isinstance(value, (tuple, list)) and len(value) == 2 \
                    and isinstance(value[1], str):
                return value[0]  # a many2one read as (id, name)
            if isinstance(value, models.BaseModel):
                return value.id if len(value) <= 1 else sorted(value.ids)
            return value

        changed = self.browse()
        for lead in self:
            old = old_values.get(lead.id) or {}
            for name in field_names:
                if name in old and plain(old[name]) != plain(lead[name] or False):
                    changed |= lead
                    break
        return changed
