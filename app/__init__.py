"""The application factory."""
from __future__ import annotations

import logging
import os

from flask import Flask, render_template

from config import CONFIGS, INSTANCE_DIR, ProductionConfig


def create_app(config: str | type | None = None) -> Flask:
    """Build the app: settings, extensions, blueprints, commands, error pages."""
    app = Flask(__name__, instance_path=str(INSTANCE_DIR),
                template_folder="../templates", static_folder="../static")
    config_class = _config_class(config)
    if config_class is ProductionConfig:
        ProductionConfig.check()
    app.config.from_object(config_class)
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.WARNING)

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_error_handlers(app)
    register_template_helpers(app)
    return app


def _config_class(config: str | type | None) -> type:
    if isinstance(config, type):
        return config
    name = config or os.environ.get("APP_CONFIG") or os.environ.get("FLASK_CONFIG") or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"Unknown configuration {name!r}; use one of {sorted(CONFIGS)}") from None


def register_extensions(app: Flask) -> None:
    from app import public_cache
    from app.extensions import cache, csrf, db, login_manager, mail, migrate
    from app.jobs.engine import celery_init_app
    from app.jobs.tasks import deliver_after_commit, seal_after_commit
    from app.security import init_security

    _database_options(app)
    db.init_app(app)
    from app.types import render_migration_item

    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
                     render_as_batch=True, compare_type=True, render_item=render_migration_item)
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    cache.init_app(app)
    public_cache.init_app(app)
    init_security(app)
    celery_init_app(app)
    _import_models()

    @app.after_request
    def send_committed_mail(response):
        from flask import g

        if g.get("queued_mail") or g.get("audit_pending"):
            db.session.rollback()  # only what the view committed is delivered, or sealed
            deliver_after_commit()  # on a worker, or after the response: never in it
            seal_after_commit()  # the same: a page view pays only its audit INSERT
        return response


def _import_models() -> None:
    """Import every model module so metadata (and Alembic) see all tables."""
    from app.accounts import models as _accounts  # noqa: F401
    from app.audit import models as _audit  # noqa: F401
    from app.cases import models as _cases  # noqa: F401
    from app.catalogue import models as _catalogue  # noqa: F401
    from app.coi import models as _coi  # noqa: F401
    from app.documents import models as _documents  # noqa: F401
    from app.exports import models as _exports  # noqa: F401
    from app.jobs import models as _jobs  # noqa: F401
    from app.letters import models as _letters  # noqa: F401
    from app.messages import models as _messages  # noqa: F401
    from app.notifications import models as _notifications  # noqa: F401
    from app.office import models as _office  # noqa: F401
    from app.practice_disclosures import models as _practice_disclosures  # noqa: F401
    from app.proceedings import models as _proceedings  # noqa: F401
    from app.records import models as _records  # noqa: F401
    from app.registry import models as _registry  # noqa: F401
    from app.representatives import models as _representatives  # noqa: F401


def _database_options(app: Flask) -> None:
    """PostgreSQL: give up connecting after DATABASE_CONNECT_TIMEOUT seconds, and the
    session settings of DATABASE_SESSION_OPTIONS. By default no JIT compilation: a page's
    queries are short, and JIT spent 50-70 ms compiling ones the planner thought big (a
    count over 30,000 open cases) to save nothing. And no parallel workers: a page's
    statement that the planner split across workers (the search's gathered hits, costed
    from a guess) waited ~10 ms for them to start, to share 7 ms of work, and on a busy
    server they take the cores the other requests are served from."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect = dict(options.get("connect_args") or {})
    connect.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT"])
    connect.setdefault("options", app.config["DATABASE_SESSION_OPTIONS"])
    options["connect_args"] = connect
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_blueprints(app: Flask) -> None:
    from app.accounts.security_views import bp as account_security
    from app.accounts.views import bp as accounts
    from app.audit.views import bp as audit
    from app.cases.views import bp as cases
    from app.catalogue.views import bp as catalogue
    from app.coi.views import bp as coi
    from app.documents.views import bp as documents
    from app.exports.views import bp as exports
    from app.jobs.views import bp as jobs
    from app.letters.views import bp as letters
    from app.main.views import bp as main
    from app.messages.views import bp as messages
    from app.office.views import bp as office
    from app.outbox.views import bp as outbox
    from app.practice_disclosures.views import bp as practice_disclosures
    from app.proceedings.disposal_views import bp as disposal
    from app.proceedings.filing import bp as filing
    from app.proceedings.views import bp as proceedings
    from app.records.views import bp as records
    from app.registry.views import bp as registry

    for blueprint in (main, accounts, account_security, registry, catalogue, cases, filing, coi,
                      proceedings, documents, practice_disclosures, audit, outbox, jobs,
                      messages, letters, records, disposal, office, exports):
        app.register_blueprint(blueprint)


def register_commands(app: Flask) -> None:
    from app.audit.cli import cli as audit_cli
    from app.cases.cli import cli as cases_cli
    from app.catalogue.cli import cli as catalogue_cli
    from app.cli import create_admin, seed_demo
    from app.documents.cli import cli as documents_cli
    from app.jobs.cli import cli as deadlines_cli
    from app.messages.cli import cli as messages_cli
    from app.notifications.cli import cli as outbox_cli
    from app.office.cli import cli as office_cli
    from app.registry.cli import cli as registry_cli

    for group in (audit_cli, cases_cli, catalogue_cli, deadlines_cli, documents_cli,
                  outbox_cli, registry_cli, messages_cli, office_cli):
        app.register_blueprint(group)
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)


def register_error_handlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from app.extensions import db

    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title,
                               message=message), code

    @app.errorhandler(400)
    def bad_request(error):
        return page(400, "Bad request", "The request could not be understood. "
                    "Go back, check what you entered and try again.")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return page(400, "Form expired", "This form has expired or was not sent from this "
                    "site. Go back, reload the page and submit it again.")

    @app.errorhandler(403)
    def forbidden(error):
        return page(403, "Not allowed", "Your account does not have permission for this page.")

    @app.errorhandler(404)
    def not_found(error):
        return page(404, "Not found", "There is nothing at this address.")

    @app.errorhandler(413)
    def too_large(error):
        return page(413, "Upload too large", "The file you sent is larger than we accept.")

    @app.errorhandler(429)
    def too_many(error):
        return page(429, "Too many attempts", "Too many failed sign-in attempts. "
                    "Wait a few minutes before trying again, or reset your password.")

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return page(500, "Something went wrong", "The error has been logged. "
                    "Nothing you submitted was half-saved; please try again later.")


def register_template_helpers(app: Flask) -> None:
    from urllib.parse import quote

    from flask import g, has_request_context, request, url_for
    from flask_login import current_user

    from app import clock
    from app.policy import can

    @app.context_processor
    def inject():
        return {
            "can": lambda action, target=None: can(current_user, action, target),
            "body_name": app.config["BODY_NAME"],
        }

    @app.template_global()
    def case_url(number: str) -> str:
        """A case page's address (url_for("proceedings.detail", number=...)), its prefix
        built once a request: a list of 180 items spent 4 ms in url_for."""
        # (kept on g, which an app context shares among the requests inside it, as tests
        # run them: keyed by the request's root, the one thing the prefix depends on)
        root = request.script_root if has_request_context() else ""
        kept = g.get("case_url_prefix")
        if kept is None or kept[0] != root:
            built = url_for("proceedings.detail", number="0")
            assert built.endswith("/0"), built  # the number is the address's last part
            kept = g.case_url_prefix = (root, built[:-1])
        return kept[1] + quote(number, safe="")

    @app.template_filter("dt")
    def local_time(value):
        return clock.local_text(value, clock.zone(app.config))
