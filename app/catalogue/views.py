"""Catalogue pages: versions, items, edits."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from app.catalogue import services
from app.catalogue.forms import ItemForm, NewItemForm, VersionForm
from app.catalogue.models import CodeItem, CodeVersion
from app.extensions import db
from app.forms import ConfirmForm
from app.policy import authorize, get_or_404

bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


@bp.route("/")
def index():
    authorize("catalogue.view")
    return render_template("catalogue/index.html", versions=services.versions())


@bp.route("/versions/<int:version_id>")
def version(version_id: int):
    version = get_or_404(CodeVersion, version_id, "catalogue.view")
    return render_template("catalogue/version.html", version=version,
                           new_item=NewItemForm(), confirm=ConfirmForm())


@bp.route("/versions/new", methods=["GET", "POST"])
def add_version():
    authorize("catalogue.add_version")
    form = VersionForm()
    form.copy_from.choices = [SelectChoice(0, "— nothing (empty version) —")] + [
        SelectChoice(v.id, v.name) for v in services.versions()]
    if form.validate_on_submit():
        source = db.session.get(CodeVersion, form.copy_from.data) if form.copy_from.data else None
        try:
            version = services.add_version(form.name.data, form.effective_date.data,
                                           form.notes.data or "", current_user, copy_from=source)
        except services.CatalogueError as error:
            getattr(form, error.field or "name").errors.append(str(error))
        else:
            db.session.commit()
            flash(f"Version {version.name} added.", "success")
            return redirect(url_for("catalogue.version", version_id=version.id))
    return render_template("catalogue/add_version.html", form=form)


@bp.route("/versions/<int:version_id>/items", methods=["POST"])
def add_item(version_id: int):
    version = get_or_404(CodeVersion, version_id, "catalogue.edit_item")
    form = NewItemForm()
    if form.validate_on_submit():
        try:
            services.add_item(version, form.kind.data, form.code.data, form.title.data,
                              form.summary.data, current_user)
        except services.CatalogueError as error:
            form.code.errors.append(str(error))
        else:
            db.session.commit()
            flash("Item added.", "success")
            return redirect(url_for("catalogue.version", version_id=version.id))
    return render_template("catalogue/version.html", version=version, new_item=form,
                           confirm=ConfirmForm()), 400


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
def edit_item(item_id: int):
    item = get_or_404(CodeItem, item_id, "catalogue.view")
    form = ItemForm(obj=item)
    if form.is_submitted():
        authorize("catalogue.edit_item", item)
    else:
        form.revision.data = item.revision
    if form.validate_on_submit():
        try:
            seen = int(form.revision.data or 0)
        except ValueError:
            abort(400)
        try:
            services.edit_item(item, form.title.data, form.summary.data, seen, current_user)
            db.session.commit()
        except (services.CatalogueError, StaleDataError) as error:
            db.session.rollback()
            item = db.session.get(CodeItem, item_id)
            form.revision.data = item.revision
            flash(str(error) if isinstance(error, services.CatalogueError) else
                  services.STALE_ITEM, "error")
            return render_template("catalogue/item.html", item=item, form=form,
                                   confirm=ConfirmForm(), stale=True), 409
        flash(f"{item.code} saved.", "success")
        return redirect(url_for("catalogue.version", version_id=item.version_id))
    return render_template("catalogue/item.html", item=item, form=form, confirm=ConfirmForm(),
                           in_use=services.item_usage(item))


@bp.route("/items/<int:item_id>/delete", methods=["POST"])
def delete_item(item_id: int):
    item = get_or_404(CodeItem, item_id, "catalogue.delete_item")
    version_id = item.version_id
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_item(item, current_user)
        except services.CatalogueError as error:
            flash(str(error), "error")
            return redirect(url_for("catalogue.edit_item", item_id=item.id))
        db.session.commit()
        flash("Item deleted.", "success")
    return redirect(url_for("catalogue.version", version_id=version_id))
