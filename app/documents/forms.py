"""The upload form of a dossier's documents."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField
from wtforms.fields import SelectChoice

from app.labels import choices


class DocumentForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file."))])
    kind = SelectField(_l("Kind of document"))
    obligation_id = SelectField(_l("For the reporting obligation"), coerce=int)
    mark_done = BooleanField(_l("Mark this obligation done"))

    def __init__(self, application, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices("document_kind")
        self.obligation_id.choices = [SelectChoice(0, "—")] + [
            SelectChoice(o.id, o.title) for o in application.obligations
        ]
