# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.http import request


class RoutingLeadLink(http.Controller):
    """The digests' links: the lead when its reader may open it, else a page saying why not
    (reassigned, taken back) instead of Odoo's bare Access Error."""

    @http.route('/crm_team_routing/lead/<int:lead_id>', type='http', auth='user')
    def open_lead(self, lead_id, **kwargs):
        target = request.env['crm.lead']._routing_link_target(lead_id)
        if target.get('url'):
            return http.local_redirect(target['url'])
        return request.render('crm_team_routing.lead_link_gone', {
            'message': target['message'],
            'disable_footer': True,
        })
