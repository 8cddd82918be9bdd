"""The upload form of the documents of a dossier, call, talk, task or meeting."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.fields import SelectChoice

from app.documents.owners import kind_of
from app.labels import LABELS


class DocumentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
    kind = SelectField(_l("Kind of document"))
    obligation_id = SelectField(_l("For the reporting obligation"), coerce=int)
    mark_done = BooleanField(_l("Mark this obligation done"))

    def __init__(self, owner, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owner_kind = kind_of(owner)
        self.kind.choices = [
            SelectChoice(k, LABELS["document_kind"][k]) for k in owner_kind.kinds
        ]
        if owner_kind.table != "application":  # only a dossier has obligations
            del self.obligation_id
            del self.mark_done
            return
        self.obligation_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(o.id, o.title) for o in owner.obligations
        ]
