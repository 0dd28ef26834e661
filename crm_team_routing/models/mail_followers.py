# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..routing import policy

# Lead fields that read the followers: stale in the cache once followers are inserted in SQL.
LEAD_FOLLOWER_FIELDS = ['message_follower_ids', 'message_partner_ids', 'message_channel_ids',
                        'message_is_follower']


class MailFollowers(models.Model):
    _inherit = 'mail.followers'

    @api.model
    def create(self, vals):
        self._check_lead_follower(vals.get('res_model'), [vals.get('res_id')],
                                  [vals.get('partner_id')])
        return super(MailFollowers, self).create(vals)

    @api.multi
    def write(self, vals):
        lead_ids = self.filtered(lambda follower: follower.res_model == 'crm.lead').mapped('res_id')
        if vals.get('res_id') and vals.get('res_model', 'crm.lead') == 'crm.lead':
            lead_ids.append(vals['res_id'])
        partner_ids = [vals['partner_id']] if vals.get('partner_id') \
            else self.mapped('partner_id').ids
        self._check_lead_follower('crm.lead', lead_ids, partner_ids)
        return super(MailFollowers, self).write(vals)

    def _check_lead_follower(self, res_model, res_ids, partner_ids):
        """Only someone who may write a lead changes who follows it, and only people who may
        write it follow it (core subscribes people as the system, which passes)."""
        if res_model != 'crm.lead' or not any(res_ids) \
                or self.env['crm.lead.router']._routing_person().role == policy.SYSTEM:
            return
        leads = self.env['crm.lead'].browse([res_id for res_id in res_ids if res_id])
        leads.check_access_rights('write')
        leads.check_access_rule('write')
        leads._routing_check_followers([partner_id for partner_id in partner_ids if partner_id])

    @api.model
    def _apply_ir_rules(self, query, mode='read'):
        """Follower rows of a lead are visible to who may read the lead (11.0 has no record
        rule on followers: every employee could list who follows every lead). One correlated
        condition on the lead's own record rules, whatever the number of rows; nothing for
        whom the lead rules restrict nothing (the superuser)."""
        result = super(MailFollowers, self)._apply_ir_rules(query, mode)
        rule = self.env['crm.lead']._routing_document_rule('"%s"' % self._table)
        if rule:
            query.where_clause.append(rule[0])
            query.where_clause_params.extend(rule[1])
        return result

    @api.model
    def _routing_subscriptions(self, team_ids, user_ids):
        """Who core's auto-subscription adds to a lead that enters one of ``team_ids`` or is
        given to one of ``user_ids``, read once for any number of leads:

        - ``team``: {team_id: [(partner_id, channel_id, subtype_ids)]}, the team's followers
          subscribed to lead subtypes (through subtypes with a parent on crm.lead, as core's
          ``message_auto_subscribe`` does with relation_field team_id);
        - ``user``: {user_id: partner_id} of the salespeople whose partner is active;
        - ``defaults``: the default lead subtypes, which salespeople follow with.
        """
        # Followers and subtypes are technical records people cannot always read.
        Subtype = self.env['mail.message.subtype'].sudo()
        by_team = {}
        if team_ids:
            followers = self.sudo().search([('res_model', '=', 'crm.team'),
                                            ('res_id', 'in', list(team_ids))])
            for follower in followers:
                subtype_ids = [subtype.parent_id.id if subtype.parent_id.res_model == 'crm.lead'
                               else subtype.id for subtype in follower.subtype_ids
                               if (subtype.parent_id.res_model == 'crm.lead'
                                   or not subtype.res_model)]
                if subtype_ids:
                    by_team.setdefault(follower.res_id, []).append(
                        (follower.partner_id.id or None, follower.channel_id.id or None,
                         sorted(set(subtype_ids))))
        # Only the partner: reading every field of res.users computes each of its fields
        # inherited from the partner, user by user.
        users = self.env['res.users'].sudo().with_context(prefetch_fields=False).browse(
            list(user_ids)).exists()
        return {
            'team': by_team,
            'user': {user.id: user.partner_id.id for user in users if user.partner_id.active},
            'defaults': sorted(Subtype.default_subtypes('crm.lead')[0].ids),
        }

    @api.model
    def _routing_subscribe(self, rows, subscriptions):
        """Subscribe, as core's ``message_auto_subscribe`` does when a team and a salesperson
        are set by hand, for rows (lead_id, team_id entered or None, user_id or None) and
        ``subscriptions`` from ``_routing_subscriptions``. Core's rules are kept: a team
        follower who is also the salesperson follows with the team's subtypes; team followers
        are subscribed with force (one already following gets the team's subtypes instead of
        theirs), the salesperson without (already following, they keep theirs)."""
        followers = {}  # (lead_id, partner_id, channel_id): (subtype_ids, replace)
        for lead_id, team_id, user_id in rows:
            for partner_id, channel_id, subtype_ids in subscriptions['team'].get(team_id, ()):
                followers.setdefault((lead_id, partner_id, channel_id), (subtype_ids, True))
            partner_id = subscriptions['user'].get(user_id)
            if partner_id:
                followers.setdefault((lead_id, partner_id, None),
                                     (subscriptions['defaults'], False))
        self._routing_insert([key + value for key, value in followers.items()])

    @api.model
    def _routing_insert(self, rows):
        """Insert followers of crm.lead given as (res_id, partner_id, channel_id, subtype_ids,
        replace), with their subtypes. Those already following are skipped, or replaced when
        ``replace`` is set (core's ``force``: its follower is deleted and created anew). One
        statement per distinct set of subtypes (the salespeople's defaults, each team
        follower's) and one for the replaced, whatever the number of rows; rows travel as
        arrays."""
        replaced = [row for row in rows if row[4]]
        if replaced:
            # Their subtypes go with them (ondelete cascade). "res_id = ANY(ids)" lets
            # PostgreSQL look up the followers of these leads only, by index.
            res_ids = [row[0] for row in replaced]
            self.env.cr.execute("""
                DELETE FROM mail_followers AS follower
                 USING unnest(%s::int[], %s::int[], %s::int[]) AS f(res_id, partner_id, channel_id)
                 WHERE follower.res_id = ANY(%s) AND follower.res_model = 'crm.lead'
                   AND follower.res_id = f.res_id
                   AND (follower.partner_id = f.partner_id OR follower.channel_id = f.channel_id)
             RETURNING follower.id
            """, (res_ids, [row[1] for row in replaced], [row[2] for row in replaced],
                  sorted(set(res_ids))))
            self.invalidate_cache(ids=[row[0] for row in self.env.cr.fetchall()])
        groups = {}
        for res_id, partner_id, channel_id, subtype_ids, _replace in rows:
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
            self.env['crm.lead'].invalidate_cache(LEAD_FOLLOWER_FIELDS)
