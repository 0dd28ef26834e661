# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2 import sql

from odoo import api, fields, models

# Models whose references to a resource do not make it someone else's: the memberships
# themselves, and leaves (absences are recorded on any resource, HR's and routing's alike).
ROUTING_REFERENCES = ('crm.team.member', 'resource.calendar.leaves')


class ResourceResource(models.Model):
    _inherit = 'resource.resource'

    crm_team_member_ids = fields.One2many(
        comodel_name='crm.team.member',
        inverse_name='resource_id',
        string="Routing Memberships",
        help="The sales team routing memberships whose absences and working hours this resource "
             "gives (record rules of absences go through it).",
    )
    routing_created = fields.Boolean(
        string="Created for Sales Routing",
        readonly=True,
        copy=False,
        help="Created by sales team routing for a routing membership (the user had no resource "
             "in the team's company). While no other record (an employee, a work center) uses "
             "it, a sales manager sets its working hours from the member; any other resource's "
             "working hours are changed only by those Odoo lets write the resource (HR).",
    )

    @api.multi
    def _routing_used_elsewhere(self):
        """The ids of these resources that a record of another model refers to (an employee
        of hr, a work center, ...), whatever modules are installed: every stored many2one to
        resource.resource but the memberships' and the leaves'. One query per such field."""
        ids = self.ids
        used = set()
        if not ids:
            return used
        for model_name in self.env.registry:
            model = self.env[model_name]
            if model._abstract or model._transient or not model._auto \
                    or model_name in ROUTING_REFERENCES:
                continue
            for field in model._fields.values():
                if field.type == 'many2one' and field.comodel_name == self._name \
                        and field.store and field.column_type:
                    # Configuration of other modules, read as the system, by ids only.
                    query = sql.SQL('SELECT DISTINCT {0} FROM {1} WHERE {0} = ANY(%s)').format(
                        sql.Identifier(field.name), sql.Identifier(model._table)
                    ).as_string(self.env.cr._obj)
                    self.env.cr.execute(query, (ids,))
                    used.update(row[0] for row in self.env.cr.fetchall())
        return used

    @api.multi
    def _routing_own(self):
        """These resources that belong to routing: created by the module for a membership and
        used by no other model (their working hours are routing configuration, not an HR
        schedule)."""
        created = self.sudo().filtered('routing_created')
        used = created._routing_used_elsewhere()
        return self.browse([resource.id for resource in created if resource.id not in used])
