# Run by hand through 'bin/odoo shell' (env is given), see below. License LGPL-3.0 or later.
"""Time the install-time fill of the existing account's keys (``vat_key``, ``company_name_key``,
``email_domain`` on crm.lead and res.partner; DESIGN.md revision 3, issue #25). Run it in the
Odoo shell of a database where crm_team_routing is installed; everything is rolled back:

    flock -o /tmp/crm-cpu.lock make bench-keys      # on a database of its own
    flock -o /tmp/crm-cpu.lock bin/odoo shell -d DB --no-http < scripts/bench_keys.py

It inserts, by SQL, BENCH_KEYS_LEADS leads (default 100,000) and BENCH_KEYS_PARTNERS partners
(default 20,000) with company names typed several ways, tax IDs (some with a "VN" prefix, dots or
a branch suffix) and emails (corporate and free-mail); drops the key columns, as before the
module's upgrade; then times what an install or upgrade does: ``_auto_init`` of both models and
the leads' ``init`` (the columns created, filled in SQL batches, then indexed; on leads only
where set). The target: under 30 s.
Prints one line: BENCH_KEYS leads=N partners=N seconds=S leads_s=S1 partners_s=S2
lead_keys=V/N/D partner_keys=V/N/D indexes=6 sample_wrong=0 limit=30 within=yes|no
correct=yes|no (keys counted per kind; a sample of rows recomputed with routing/keys.py).
"""
import os
import time

LEADS = int(os.environ.get('BENCH_KEYS_LEADS', 100000))
PARTNERS = int(os.environ.get('BENCH_KEYS_PARTNERS', 20000))
LIMIT = 30  # seconds (issue #25)
KEYS = ('vat_key', 'company_name_key', 'email_domain')

cr = env.cr
company_id = env.ref('base.main_company').id

# Partners: one in two a company (names typed the Vietnamese or the English way, a tax ID), the
# others its contacts or private people with an email.
cr.execute("""
    INSERT INTO res_partner (name, display_name, is_company, vat, email, active, customer,
                             supplier, employee, type, company_id, create_date, write_date)
    SELECT CASE WHEN i %% 2 = 0 THEN (ARRAY['CÔNG TY TNHH ', 'Công ty Cổ phần ', 'Cty '])
                                    [i %% 3 + 1] || 'Khách Hàng ' || i
                ELSE 'Người ' || i END,
           'Partner ' || i, i %% 2 = 0,
           CASE WHEN i %% 2 = 0 THEN 'VN' || lpad((100000000 + i)::text, 10, '0') END,
           'contact' || i || '@' || CASE WHEN i %% 3 = 0 THEN 'gmail.com'
                                         ELSE 'khachhang' || (i / 2) || '.vn' END,
           TRUE, TRUE, FALSE, FALSE, 'contact', %s, now(), now()
      FROM generate_series(1, %s) AS i
""", (company_id, PARTNERS))

# Leads: company names in several spellings on 70%, tax IDs on 30% (dots, branch suffix), an
# email on 90% (a third free-mail).
cr.execute("""
    INSERT INTO crm_lead (name, type, active, share_state, score, sla_reassign_count,
                          probability, priority, color, opt_out, message_bounce,
                          partner_name, vat, email_from, company_id, create_date, write_date)
    SELECT 'Lead ' || i, 'lead', TRUE, 'none', 0, 0, 10, '0', 0, FALSE, 0,
           CASE WHEN i %% 10 < 7 THEN (ARRAY['Công ty TNHH ', 'CTY CP ', '', 'Cty TNHH MTV '])
                                     [i %% 4 + 1] || 'Khách Hàng ' || (i %% 20000)
                                     || CASE WHEN i %% 4 = 2 THEN ' Co., Ltd' ELSE '' END END,
           CASE WHEN i %% 10 < 3 THEN '0' || (100000000 + i %% 20000)::text
                                     || CASE WHEN i %% 20 = 0 THEN '-001' ELSE '' END END,
           CASE WHEN i %% 10 < 9 THEN 'Lead ' || i || ' <lead' || i || '@'
                                     || CASE WHEN i %% 3 = 0 THEN 'gmail.com'
                                             ELSE 'khachhang' || (i %% 10000) || '.vn' END
                                     || '>' END,
           %s, now(), now()
      FROM generate_series(1, %s) AS i
""", (company_id, LEADS))
env.cache.invalidate()

# Before the upgrade: no key column (their indexes go with them).
for table in ('crm_lead', 'res_partner'):
    for column in KEYS:
        cr.execute('ALTER TABLE "%s" DROP COLUMN IF EXISTS "%s"' % (table, column))

start = time.time()
# An upgrade runs both: the columns filled, then the indexes where the keys are set.
env['crm.lead']._auto_init()
env['crm.lead'].init()
leads_seconds = time.time() - start
start = time.time()
env['res.partner']._auto_init()
partners_seconds = time.time() - start

# What was filled: counts of each key, the indexes, and a sample of rows recomputed in Python
# with the module's own functions (the fill must give what the ORM's compute gives).
from odoo.addons.crm_team_routing.routing import keys  # noqa: E402

cr.execute("SELECT count(vat_key), count(company_name_key), count(email_domain) FROM crm_lead")
lead_counts = cr.fetchone()
cr.execute("SELECT count(vat_key), count(company_name_key), count(email_domain) "
           "FROM res_partner")
partner_counts = cr.fetchone()
cr.execute("SELECT count(*) FROM pg_indexes WHERE tablename IN ('crm_lead', 'res_partner') "
           "AND indexname ~ '(vat_key|company_name_key|email_domain)_(index|set_idx)$'")
indexes = cr.fetchone()[0]
wrong = 0
cr.execute("SELECT vat, partner_name, email_from, vat_key, company_name_key, email_domain "
           "FROM crm_lead WHERE id %% %s = 0", (97,))
for vat, name, email, *filled in cr.fetchall():
    expected = [keys.vat_key(vat), keys.company_name_key(name),
                keys.email_domain(keys.normalize_email(email))]
    wrong += [value or None for value in expected] != filled
cr.execute("SELECT vat, name, is_company, email, vat_key, company_name_key, email_domain "
           "FROM res_partner WHERE id %% %s = 0", (17,))
for vat, name, is_company, email, *filled in cr.fetchall():
    expected = [keys.vat_key(vat), keys.company_name_key(name) if is_company else '',
                keys.email_domain(keys.normalize_email(email))]
    wrong += [value or None for value in expected] != filled
seconds = leads_seconds + partners_seconds
correct = (indexes == 2 * len(KEYS) and not wrong and all(lead_counts)
           and all(partner_counts))
print('BENCH_KEYS leads=%d partners=%d seconds=%.1f leads_s=%.1f partners_s=%.1f '
      'lead_keys=%s partner_keys=%s indexes=%d sample_wrong=%d limit=%d within=%s correct=%s'
      % (LEADS, PARTNERS, seconds, leads_seconds, partners_seconds,
         '/'.join(map(str, lead_counts)), '/'.join(map(str, partner_counts)), indexes, wrong,
         LIMIT, 'yes' if seconds <= LIMIT else 'no', 'yes' if correct else 'no'))
cr.rollback()
