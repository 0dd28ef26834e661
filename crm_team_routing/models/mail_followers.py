# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class MailFollowers(models.Model):
    _inherit = 'mail.followers'

    @api.model
    def _routing_insert(self, rows):
        """Insert followers of crm.lead given as (res_id, partner_id, channel_id, subtype_ids),
        skipping those already following, with their subtypes: one statement per distinct set
        of subtypes (the salespeople's defaults, each team follower's), whatever the number of
        rows. The rows travel as arrays."""
        groups = {}
        for res_id, partner_id, channel_id, subtype_ids in rows:
            groups.setdefault(tuple(sorted(subtype_ids)), []).append(
                (res_id, partner_id, channel_id))
        for subtype_ids, followers in groups.items():
            self.env.cr.execute("""
                WITH new AS (
                    INSERT INTO mail_followers (res_model, res_id, partner_id, channel_id)
                    SELECT 'crm.lead', res_id, partner_id, channel_id
                      FROM unnest(%s::int[], %s::int[], %s::int[])
                           AS f(res_id, partner_id, channel_id)
                    ON CONFLICT DO NOTHING
                    RETURNING id
                )
                INSERT INTO mail_followers_mail_message_subtype_rel
                       (mail_followers_id, mail_message_subtype_id)
                SELECT new.id, subtype_id FROM new CROSS JOIN unnest(%s::int[]) AS subtype_id
            """, ([row[0] for row in followers], [row[1] for row in followers],
                  [row[2] for row in followers], list(subtype_ids)))
        if groups:
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
