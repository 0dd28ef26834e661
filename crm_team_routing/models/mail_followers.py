# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class MailFollowers(models.Model):
    _inherit = 'mail.followers'

    @api.model
    def _routing_insert(self, rows):
        """Insert followers of crm.lead given as (res_id, partner_id, channel_id, subtype_ids),
        skipping those already following, with their subtypes: one statement, whatever the
        number of rows (the rows travel as arrays, the join is PostgreSQL's)."""
        if not rows:
            return
        subtype_sets = {}
        res_ids, partner_ids, channel_ids, keys = [], [], [], []
        for res_id, partner_id, channel_id, subtype_ids in rows:
            res_ids.append(res_id)
            partner_ids.append(partner_id)
            channel_ids.append(channel_id)
            keys.append(subtype_sets.setdefault(tuple(sorted(subtype_ids)), len(subtype_sets)))
        set_keys, set_subtypes = [], []
        for subtype_ids, key in subtype_sets.items():
            set_keys.extend([key] * len(subtype_ids))
            set_subtypes.extend(subtype_ids)
        self.env.cr.execute("""
            WITH wanted AS (
                SELECT DISTINCT ON (res_id, partner_id, channel_id) *
                  FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[])
                       AS w(res_id, partner_id, channel_id, subtypes)
            ), new AS (
                INSERT INTO mail_followers (res_model, res_id, partner_id, channel_id)
                SELECT 'crm.lead', res_id, partner_id, channel_id FROM wanted
                ON CONFLICT DO NOTHING
                RETURNING id, res_id, partner_id, channel_id
            )
            INSERT INTO mail_followers_mail_message_subtype_rel
                   (mail_followers_id, mail_message_subtype_id)
            SELECT new.id, s.subtype_id
              FROM new
              JOIN wanted ON wanted.res_id = new.res_id  -- plain equalities: a hash join
                         AND coalesce(wanted.partner_id, 0) = coalesce(new.partner_id, 0)
                         AND coalesce(wanted.channel_id, 0) = coalesce(new.channel_id, 0)
              JOIN unnest(%s::int[], %s::int[]) AS s(subtypes, subtype_id)
                ON s.subtypes = wanted.subtypes
        """, (res_ids, partner_ids, channel_ids, keys, set_keys, set_subtypes))
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
