# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""11.0.1.3.0: filters keep the language their names are compared in (``filter_lang``).

Filters saved before had none: they get the language of the person who last wrote the record
(the best trace left of who saved the filter, and the language the form showed its matches
in), when that language is installed; English otherwise. Empty filters need none.
"""

TABLES = {
    'crm_team': 'assignment_domain',
    'crm_team_member': 'assignment_domain',
    'crm_lead_scoring_rule': 'domain',
    'crm_lead_share_rule': 'domain',
}


def migrate(cr, version):
    if not version:
        return
    for table, column in TABLES.items():
        # Table and column names come from the constant above, never from data.
        cr.execute("""
            UPDATE {table} rec
               SET filter_lang = coalesce(
                       (SELECT lang.code FROM res_users u
                          JOIN res_partner p ON p.id = u.partner_id
                          JOIN res_lang lang ON lang.code = p.lang AND lang.active
                         WHERE u.id = rec.write_uid), 'en_US')
             WHERE rec.filter_lang IS NULL
               AND coalesce(trim(rec.{column}), '') NOT IN ('', '[]')
        """.format(table=table, column=column))  # pylint: disable=sql-injection
