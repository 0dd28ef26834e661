# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Routing's follow-up activities (DESIGN.md revision 3, the follow-up ladder), written
set-based like the followers (``mail_followers.py``): one statement per batch for any number of
leads, never ``activity_schedule`` (or ``create``) lead by lead."""
from odoo import api, fields, models

# Lead fields computed from the activities: stale in the cache once activities are written in
# SQL.
LEAD_ACTIVITY_FIELDS = ['activity_ids', 'activity_state', 'activity_user_id',
                        'activity_type_id', 'activity_date_deadline', 'activity_summary']


class MailActivity(models.Model):
    _inherit = 'mail.activity'

    routing_assignment = fields.Boolean(
        string="Planned by Lead Routing",
        readonly=True,
        copy=False,
        help="Planned when lead routing gave the lead to its salesperson: removed when the lead "
             "is taken back or given to someone else.",
    )

    @api.model
    def _apply_ir_rules(self, query, mode='read'):
        """Activities of a lead are visible to who may read the lead, as its followers
        (``mail_followers.py``): 11.0 lets every employee list every activity, with the name of
        its document, and routing plans one on every lead it gives. One correlated condition on
        the lead's own record rules, whatever the number of rows; nothing for whom the lead
        rules restrict nothing (the superuser)."""
        result = super(MailActivity, self)._apply_ir_rules(query, mode)
        rule = self.env['crm.lead']._routing_document_rule('"%s"' % self._table)
        if rule:
            query.where_clause.append(rule[0])
            query.where_clause_params.extend(rule[1])
        return result

    @api.model
    def _routing_insert(self, rows, uid, now, sync=True):
        """Insert routing activities on leads, as core's ``create`` would make them (document
        model and name, type, summary, due date, responsible, author), ``rows``: (lead_id,
        user_id, activity type id, due date string, summary). One statement; rows travel as
        arrays. Those the salesperson follows already (the writer subscribed them). Without
        ``sync``, the caller stored the leads' next deadline itself (the routing writer, in its
        own statement)."""
        if not rows:
            return
        self.env.cr.execute("""
            INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name,
                                       activity_type_id, summary, date_deadline, user_id,
                                       routing_assignment, create_uid, create_date, write_uid,
                                       write_date)
            SELECT %(model_id)s, 'crm.lead', lead.id, lead.name, a.type_id, a.summary,
                   a.deadline, a.user_id, TRUE, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(%(ids)s::int[], %(users)s::int[], %(types)s::int[], %(dates)s::date[],
                          %(summaries)s::varchar[])
                   AS a(lead_id, user_id, type_id, deadline, summary)
              JOIN crm_lead lead ON lead.id = a.lead_id
        """, {
            'model_id': self.env['ir.model']._get('crm.lead').id,
            'uid': uid,
            'now': now,
            'ids': [row[0] for row in rows],
            'users': [row[1] for row in rows],
            'types': [row[2] for row in rows],
            'dates': [row[3] for row in rows],
            'summaries': [row[4] for row in rows],
        })
        if sync:
            self._routing_sync_leads([row[0] for row in rows])
        else:
            self.invalidate_cache()
            self.env['crm.lead'].invalidate_cache(LEAD_ACTIVITY_FIELDS, [row[0] for row in rows])

    @api.model
    def _routing_remove_stale(self, lead_ids, sync=True):
        """Remove the open routing activities of ``lead_ids`` whose responsible no longer holds
        the lead (taken back, reassigned by anyone, handed back). One statement. Returns the
        (lead_id, user_id) pairs of those left in place (the current holder's), and whether
        any was removed. Without ``sync``, the caller stores the leads' next deadline itself
        (``_routing_sync_leads``) once it added the new holders' activities: one statement
        for both changes."""
        if not lead_ids:
            return set(), False
        cr = self.env.cr
        cr.execute("""
            DELETE FROM mail_activity AS activity
             USING crm_lead lead
             WHERE activity.res_id = ANY(%s) AND activity.res_model = 'crm.lead'
               AND activity.routing_assignment AND lead.id = activity.res_id
               AND activity.user_id IS DISTINCT FROM lead.user_id
        """, (list(lead_ids),))
        removed = bool(cr.rowcount)
        if removed and sync:
            self._routing_sync_leads(lead_ids)
        cr.execute("""
            SELECT res_id, user_id FROM mail_activity
             WHERE res_id = ANY(%s) AND res_model = 'crm.lead' AND routing_assignment
        """, (list(lead_ids),))
        return set(cr.fetchall()), removed

    @api.model
    def _routing_sync_leads(self, lead_ids):
        """The leads' stored next deadline (``activity_date_deadline``, core's stored related
        field: the first of their activities by due date) as core's ORM would leave it after
        activities were written in SQL; one statement, only the leads whose value changes.

        The first deadline is the earliest (core orders activities by due date), taken as an
        aggregate: a subquery per lead ordered by due date with LIMIT 1 lets PostgreSQL walk
        the due-date index of all activities for each lead, a plan it may pick while its
        statistics predate the activities just written (once, a take-back of 10,000 leads with
        activities took 32 s instead of 6)."""
        self.env.cr.execute("""
            UPDATE crm_lead AS lead
               SET activity_date_deadline = first.date_deadline
              FROM (SELECT l.id, min(activity.date_deadline) AS date_deadline
                      FROM unnest(%s::int[]) AS l(id)
                      LEFT JOIN mail_activity activity
                             ON activity.res_id = l.id AND activity.res_model = 'crm.lead'
                     GROUP BY l.id) AS first
             WHERE lead.id = first.id
               AND lead.activity_date_deadline IS DISTINCT FROM first.date_deadline
        """, (list(lead_ids),))
        self.invalidate_cache()
        self.env['crm.lead'].invalidate_cache(LEAD_ACTIVITY_FIELDS, list(lead_ids))
