# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place the module's messages to people leave from (DESIGN.md, revision 3).

Digests, take-back notes, reminders and leaders' notes are private: each is a ``mail.message``
attached to no document (``model`` and ``res_id`` empty), addressed to its one recipient. Odoo 11
lets a user read such a message only as its author or one of its recipients
(``mail.message._search`` and ``check_access_rule``): not a colleague, not an employee without
Sales rights, as a message on a team or a partner would be. It lands in the recipient's Inbox
and, when they chose to be notified by e-mail, in a mail queued for the mail cron (never sent
from a routing run). The messages of a run are written together, in a fixed number of
statements whatever the number of recipients: ``message_post`` costs about 0.1 s a message.

Notes on a team's chatter (a filter became invalid) name no customer: they stay on the team,
each distinct text once.
"""
import json
import logging
from email.utils import formataddr

import lxml.html

from odoo import SUPERUSER_ID, api, fields, models, sql_db
from odoo.addons.bus.models.bus import json_dump
from odoo.exceptions import UserError
from odoo.tools import html_escape

_logger = logging.getLogger(__name__)

# A lead list shows at most this many characters of a lead's name (DESIGN.md).
LIST_NAME_MAX = 200
# The desktop notification of a private message: its type on the person's bus channel, and
# how much of the text it shows (core's chat previews show about as much).
DESKTOP_NOTIFICATION = 'crm_team_routing_message'
PREVIEW_MAX = 200
# Bus notifications per sendmany: a channel takes up to about 100 bytes of the NOTIFY payload
# (PostgreSQL's limit: 8,000 bytes).
BUS_CHANNELS_PER_NOTIFY = 50


def shorten(name, length=LIST_NAME_MAX):
    """A lead's name as a lead list shows it (or a text cut at ``length``)."""
    return name if len(name) <= length else name[:length - 1] + '…'


def preview_text(body, subject=None):
    """The text of a message as one line for a notification: its paragraphs and list items
    joined by commas (no addresses of links), without the subject it starts with."""
    if not body or not body.strip():
        return ''
    tree = lxml.html.fromstring(body)
    parts = [' '.join(element.text_content().split()) for element in tree.iter('p', 'li')] \
        or [' '.join(tree.text_content().split())]
    parts = [part for part in parts if part]
    if subject and parts and parts[0] == subject:
        parts = parts[1:]
    return ', '.join(parts)


class CrmLeadRoutingNotifier(models.AbstractModel):
    _name = 'crm.lead.routing.notifier'
    _description = "Lead Routing Notifier"

    # ------------------------------------------------------------------------------------------
    # Private messages to people
    # ------------------------------------------------------------------------------------------

    @api.model
    def _send(self, user, subject, body):
        """Send one private message (``body``: HTML) to ``user``; see ``_send_many``."""
        return self._send_many([(user, subject, body)])

    @api.model
    def _send_lead_lists(self, notes):
        """Private messages listing leads: ``notes`` is [(user, title, [(lead_id, lead name)],
        total number of leads)], the title in the recipient's language; each lead is a link to
        its form. Returns the messages, in the order of ``notes``."""
        base_url = self.env['ir.config_parameter'].sudo().get_param('web.base.url', '')
        return self._send_many([
            (user, title, self._lead_list_body(user, title, rows, count, base_url))
            for user, title, rows, count in notes])

    @api.model
    def _lead_list_body(self, user, title, rows, count, base_url):
        """The title, a link per listed lead, and how many more when some are not listed."""
        lines = ''.join(
            '<li><a href="%s/crm_team_routing/lead/%d">%s</a></li>'
            % (html_escape(base_url), lead_id, html_escape(shorten(name or '')))
            for lead_id, name in rows)
        more = ''
        if count > len(rows):
            more = '<p>%s</p>' % html_escape(self.env['crm.lead.assignment.log'].with_context(
                lang=user.lang)._routing_more_text(count - len(rows)))
        return '<p>%s</p><ul>%s</ul>%s' % (html_escape(title), lines, more)

    @api.model
    def _send_many(self, messages):
        """Send private messages: ``messages`` is [(user, subject, body)] (``body`` HTML, both
        already in the recipient's language). Each becomes a message attached to no document,
        from the recipient's company, addressed to the user alone: in their Inbox, and in a
        mail queued for the mail cron when they chose to be notified by e-mail. Written in a
        fixed number of statements whatever the number of messages. Returns the mail.message
        records, in the order of ``messages``.

        Writes as the system: callers decide who is told what (they hold the routing lock or
        passed the gate)."""
        # System messages: no person's rights apply to writing them.
        notifier = self.sudo()
        messages = [(user.sudo(), subject, body) for user, subject, body in messages]
        if not messages:
            return notifier.env['mail.message']
        senders = {}
        rows = []
        for user, subject, body in messages:
            company = user.company_id
            if company not in senders:
                senders[company] = notifier._sender(company)
            author_id, email_from, reply_to = senders[company]
            partner = user.partner_id
            by_email = bool(user.notification_type == 'email' and partner.email and email_from)
            if user.notification_type == 'email' and not by_email:
                _logger.warning("Lead routing: %s is notified by e-mail but %s; the message is "
                                "in their Inbox only", user.login,
                                "has no e-mail address" if not partner.email else
                                "no sender address is configured (company %s)" % company.name)
            rows.append((author_id, email_from, reply_to, subject, body, partner.id, by_email))
        ids = notifier._insert_messages(rows)
        sent = notifier.env['mail.message'].browse(ids)
        notifier._notify_inboxes(sent, [row[5] for row in rows])
        return sent

    @api.model
    def _sender(self, company):
        """(author partner id, From address, Reply-To address) of the messages to people of
        ``company``: the company itself, at its e-mail address, else at the system's; the
        From address is None when neither has one (the messages then reach the Inbox only)."""
        email_from = None
        if company.email:
            email_from = formataddr((company.name, company.email))
        else:
            try:
                email_from = self.env['mail.message'].sudo(SUPERUSER_ID)._get_default_from()
            except UserError:
                email_from = None
        reply_to = self.env['mail.thread'].message_get_reply_to(
            [None], default=email_from)[None] if email_from else None
        return company.partner_id.id, email_from, reply_to

    @api.model
    def _insert_messages(self, rows):
        """Insert private messages with their recipient, notification and, for people notified
        by e-mail, the queued mail; ``rows``: [(author id, email_from, reply_to, subject, body,
        recipient partner id, by e-mail)]. Returns the new mail.message ids, in order."""
        cr = self.env.cr
        now = fields.Datetime.now()
        uid = self.env.uid
        Message = self.env['mail.message']
        headers = [Message._get_message_id({}) for _row in rows]
        cr.execute("""
            INSERT INTO mail_message (model, res_id, message_type, subtype_id, subject, body,
                                      author_id, email_from, reply_to, message_id, date,
                                      create_uid, create_date, write_uid, write_date)
            SELECT NULL, NULL, 'notification', %(subtype)s, d.subject, d.body, d.author,
                   d.email_from, d.reply_to, d.message_id, %(now)s, %(uid)s, %(now)s, %(uid)s,
                   %(now)s
              FROM unnest(%(authors)s::int[], %(froms)s::varchar[], %(reply_tos)s::varchar[],
                          %(subjects)s::varchar[], %(bodies)s::text[], %(headers)s::varchar[])
                   AS d(author, email_from, reply_to, subject, body, message_id)
         RETURNING message_id, id
        """, {
            'subtype': self.env.ref('mail.mt_note').id,
            'now': now,
            'uid': uid,
            'authors': [row[0] for row in rows],
            'froms': [row[1] for row in rows],
            'reply_tos': [row[2] for row in rows],
            'subjects': [row[3] for row in rows],
            'bodies': [row[4] for row in rows],
            'headers': headers,
        })
        # Each message has its own Message-Id header: it tells which row got which id.
        id_of = dict(cr.fetchall())
        ids = [id_of[header] for header in headers]
        partners = [row[5] for row in rows]
        by_email = [row[6] for row in rows]
        cr.execute("""
            INSERT INTO mail_message_res_partner_rel (mail_message_id, res_partner_id)
            SELECT * FROM unnest(%s::int[], %s::int[])
        """, (ids, partners))
        # In everyone's Inbox (unread), also for those notified by e-mail: the Inbox is the
        # one place they find it when no mail server is set up.
        cr.execute("""
            INSERT INTO mail_message_res_partner_needaction_rel
                   (mail_message_id, res_partner_id, is_read, is_email, email_status)
            SELECT message, partner, FALSE, by_email, 'ready'
              FROM unnest(%s::int[], %s::int[], %s::bool[]) AS n(message, partner, by_email)
        """, (ids, partners, by_email))
        emailed = [index for index, flag in enumerate(by_email) if flag]
        if emailed:
            # Queued for the mail cron, never sent from here.
            cr.execute("""
                WITH queued AS (
                    INSERT INTO mail_mail (mail_message_id, body_html, notification, auto_delete,
                                           state, create_uid, create_date, write_uid, write_date)
                    SELECT message, body, TRUE, TRUE, 'outgoing', %(uid)s, %(now)s, %(uid)s,
                           %(now)s
                      FROM unnest(%(messages)s::int[], %(bodies)s::text[]) AS q(message, body)
                 RETURNING id, mail_message_id
                )
                INSERT INTO mail_mail_res_partner_rel (mail_mail_id, res_partner_id)
                SELECT queued.id, r.partner
                  FROM queued
                  JOIN unnest(%(messages)s::int[], %(partners)s::int[]) AS r(message, partner)
                    ON r.message = queued.mail_message_id
            """, {
                'uid': uid,
                'now': now,
                'messages': [ids[index] for index in emailed],
                'bodies': [rows[index][4] for index in emailed],
                'partners': [partners[index] for index in emailed],
            })
        Message.invalidate_cache()
        return ids

    @api.model
    def _notify_inboxes(self, messages, partner_ids):
        """Tell the connected recipients' web clients (the Inbox counter moves at once, as
        core's notification does); ``partner_ids``: the recipient of each message. The bus
        rows in one statement (``bus.bus.sendmany`` inserts them one by one), the wake-up
        once committed, as ``sendmany`` does."""
        partner_of = dict(zip(messages.ids, partner_ids))
        dbname = self.env.cr.dbname
        channels, payloads = [], []
        for values in messages.message_format():
            partner_id = partner_of[values['id']]
            channels.append(json_dump((dbname, 'ir.needaction', partner_id)))
            payloads.append(json_dump(values))
            # Core's web client shows an Inbox message without a pop-up: this one also becomes
            # a desktop notification (static/src/js/routing_notification.js), whatever the
            # person's e-mail preference.
            channels.append(json_dump((dbname, 'res.partner', partner_id)))
            payloads.append(json_dump({
                'type': DESKTOP_NOTIFICATION,
                'message_id': values['id'],
                'title': values.get('subject') or '',
                'message': shorten(preview_text(values.get('body'), values.get('subject')),
                                   PREVIEW_MAX),
            }))
        now = fields.Datetime.now()
        self.env.cr.execute("""
            INSERT INTO bus_bus (channel, message, create_date, create_uid, write_date,
                                 write_uid)
            SELECT channel, message, %s, %s, %s, %s
              FROM unnest(%s::varchar[], %s::varchar[]) AS b(channel, message)
        """, (now, self.env.uid, now, self.env.uid, channels, payloads))
        woken = sorted(set(channels))

        def wake_up():
            # PostgreSQL refuses a NOTIFY payload over 8,000 bytes: a run telling hundreds of
            # people wakes their listeners a few dozen at a time.
            with sql_db.db_connect('postgres').cursor() as cr:
                for start in range(0, len(woken), BUS_CHANNELS_PER_NOTIFY):
                    cr.execute("NOTIFY imbus, %s", (json_dump(
                        [json.loads(channel) for channel in
                         woken[start:start + BUS_CHANNELS_PER_NOTIFY]]),))
        self.env.cr.after('commit', wake_up)

    # ------------------------------------------------------------------------------------------
    # Notes on a team's chatter
    # ------------------------------------------------------------------------------------------

    @api.model
    def _post_team_note(self, team, text):
        """Post ``text`` (plain text, naming no customer) as an internal note on ``team``,
        unless a note of exactly this text is on the team already (one query): each distinct
        problem once, not at every run, however problems alternate. Returns the new message,
        or an empty recordset."""
        team = team.sudo()  # a system note, whoever started the run
        Message = self.env['mail.message'].sudo()
        body = Message._fields['body'].convert_to_column('<p>%s</p>' % html_escape(text),
                                                         Message)
        if Message.search_count([('model', '=', team._name), ('res_id', '=', team.id),
                                 ('body', '=', body)]):
            return Message
        author_id, email_from, _reply_to = self._sender(team.company_id or self.env.user.company_id)
        # Never SMTP from a run: any follower's mail goes through the queue. An explicit sender
        # (False when none is configured): core's default would raise without one.
        return team.with_context(mail_notify_force_send=False,
                                 mail_create_nosubscribe=True).message_post(
            body=body, subtype='mail.mt_note', author_id=author_id,
            email_from=email_from or False)
