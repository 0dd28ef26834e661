# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Revision 3 of the design on databases that ran an earlier version."""

# The body of a routing digest or take-back note: a title, then links to leads.
LEAD_LIST = '<p>%</p><ul><li><a href="%/web#id=%&amp;model=crm.lead&amp;view_type=form">%'


def make_routing_messages_private(cr):
    """Digests and take-back notes were internal notes on the team (readable by every
    employee), each addressed to one person and listing leads by link: detach them from the
    team, as the notifier now writes them (attached to no document), so that only their
    recipient (and author) may read them. Recognised by their shape, written by routing alone:
    a note of type comment on a team, with exactly one recipient, whose body is a title then a
    list of links to leads. A person's note on a team is left as it is."""
    cr.execute("""
        UPDATE mail_message m SET model = NULL, res_id = NULL, record_name = NULL
         WHERE m.model = 'crm.team' AND m.message_type = 'comment'
           AND m.subtype_id = (SELECT res_id FROM ir_model_data
                                WHERE module = 'mail' AND name = 'mt_note')
           AND m.body LIKE %s
           AND (SELECT count(*) FROM mail_message_res_partner_rel r
                 WHERE r.mail_message_id = m.id) = 1
    """, (LEAD_LIST,))
    return cr.rowcount


def migrate(cr, version):
    if not version:
        return
    make_routing_messages_private(cr)
