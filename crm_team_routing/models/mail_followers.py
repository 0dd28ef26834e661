# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from psycopg2.extras import execute_values

from odoo import api, models


class MailFollowers(models.Model):
    _inherit = 'mail.followers'

    @api.model
    def _routing_insert(self, rows):
        """Insert followers given as (res_id, partner_id, channel_id, subtype_ids) on crm.lead,
        skipping those already following; one statement for the followers, one for subtypes."""
        if not rows:
            return
        cr = self.env.cr
        inserted = execute_values(cr, """
            INSERT INTO mail_followers (res_model, res_id, partner_id, channel_id)
            SELECT 'crm.lead', v.res_id, v.partner_id, v.channel_id
              FROM (VALUES %s) AS v(res_id, partner_id, channel_id)
            ON CONFLICT DO NOTHING
            RETURNING id, res_id, partner_id, channel_id
        """, [(res_id, partner_id, channel_id) for res_id, partner_id, channel_id, _s in rows],
            template='(%s, %s::int, %s::int)', page_size=max(len(rows), 1), fetch=True)
        subtypes = {(res_id, partner_id, channel_id): subtype_ids
                    for res_id, partner_id, channel_id, subtype_ids in rows}
        rel = [(follower_id, subtype_id)
               for follower_id, res_id, partner_id, channel_id in inserted
               for subtype_id in subtypes[(res_id, partner_id, channel_id)]]
        if rel:
            execute_values(cr, """
                INSERT INTO mail_followers_mail_message_subtype_rel
                       (mail_followers_id, mail_message_subtype_id)
                VALUES %s ON CONFLICT DO NOTHING
            """, rel, page_size=len(rel))
        self.invalidate_cache()

    @api.model
    def _routing_subscribe_users(self, lead_partners):
        """Salespeople follow their leads with the default subtypes, as core's auto-subscribe."""
        default_subtypes = self.env['mail.message.subtype'].sudo().default_subtypes('crm.lead')[0]
        self._routing_insert([(lead_id, partner_id, None, default_subtypes.ids)
                              for lead_id, partner_id in lead_partners])

    @api.model
    def _routing_subscribe_team_followers(self, lead_teams):
        """Followers of a team subscribed to the lead subtypes follow the leads entering it, as
        core's ``message_auto_subscribe`` does through subtypes with relation_field team_id."""
        team_ids = {team_id for _lead, team_id in lead_teams if team_id}
        if not team_ids:
            return
        followers = self.sudo().search([('res_model', '=', 'crm.team'),
                                        ('res_id', 'in', list(team_ids))])
        by_team = {}
        for follower in followers:
            subtype_ids = [subtype.parent_id.id if subtype.parent_id.res_model == 'crm.lead'
                           else subtype.id for subtype in follower.subtype_ids
                           if (subtype.parent_id.res_model == 'crm.lead'
                               or not subtype.res_model)]
            if subtype_ids:
                by_team.setdefault(follower.res_id, []).append(
                    (follower.partner_id.id or None, follower.channel_id.id or None, subtype_ids))
        self._routing_insert([(lead_id, partner_id, channel_id, subtype_ids)
                              for lead_id, team_id in lead_teams
                              for partner_id, channel_id, subtype_ids in by_team.get(team_id, ())])
