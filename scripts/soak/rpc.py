# How the soak talks to the server and the database: Client (one user's XML-RPC connection,
# every call with a deadline), the helpers that turn an XML-RPC failure into one line, and Sql
# (autocommit reads of what is committed, for the checks).
import re
import xmlrpc.client

import psycopg2

from .config import CREATE_TIMEOUT, DB, PG, URL


class Transport(xmlrpc.client.Transport):
    """xmlrpc.client waits for ever by default: every call here has a deadline."""

    def __init__(self, timeout):
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self._timeout
        return connection


class Client(object):
    """One user's connection (a ServerProxy of its own: they are not thread-safe)."""

    def __init__(self, login, password, timeout=CREATE_TIMEOUT, url=URL):
        common = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/common',
                                           transport=Transport(timeout))
        self.login = login
        self.url = url
        self.uid = common.authenticate(DB, login, password, {})
        if not self.uid:
            raise RuntimeError("login refused for %s" % login)
        self.password = password
        self.proxy = xmlrpc.client.ServerProxy(url + '/xmlrpc/2/object',
                                               transport=Transport(timeout))

    def call(self, model, method, *args, **kwargs):
        return self.proxy.execute_kw(DB, self.uid, self.password, model, method, list(args),
                                     kwargs)

    def ref(self, xmlid):
        return self.call('ir.model.data', 'xmlid_to_res_id', xmlid, True)


def describe(error):
    """A failure as one line: the exception at the end of Odoo's traceback, or the client's."""
    if isinstance(error, xmlrpc.client.Fault):
        lines = [line.strip() for line in str(error.faultString).strip().splitlines()
                 if line.strip()]
        text = lines[-1] if lines else 'Fault %s' % error.faultCode
    else:
        text = '%s: %s' % (type(error).__name__, error)
    return text[:300]


def returned_none(error):
    """ir.actions.server.run returns None for a code action: Odoo 11's XML-RPC layer then fails
    to marshal the answer, after the call's transaction was committed. That is a success."""
    return isinstance(error, xmlrpc.client.Fault) and 'cannot marshal None' in str(
        error.faultString)


def group_key(text):
    return re.sub(r'\d+', 'N', text)


class Sql(object):
    def __init__(self):
        self.connection = psycopg2.connect(**PG)
        self.connection.autocommit = True  # every read sees what is committed now

    def rows(self, query, params=None):
        with self.connection.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def value(self, query, params=None):
        return self.rows(query, params)[0][0]

    def execute(self, query, params=None):
        with self.connection.cursor() as cr:
            cr.execute(query, params)
