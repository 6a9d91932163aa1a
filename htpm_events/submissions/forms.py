"""The public submission form: the event form plus a flyer upload and a honeypot."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.utils import secure_filename
from wtforms import BooleanField, HiddenField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from .. import vocab
from ..events.forms import EventForm
from .replay import KEY_PATTERN, new_key

MAX_FLYER_BYTES = 5 * 1024 * 1024

#: Magic bytes at the start of each accepted file type, and the type they prove.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
#: What a file's name says it is (a name that says something else is refused).
NAMED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "jfif": "image/jpeg",
}
KIND_NAMES = {
    "application/pdf": _l("PDF"),
    "image/png": _l("PNG image"),
    "image/jpeg": _l("JPEG image"),
}


@dataclass
class Upload:
    """A checked flyer: its clean name, the type detected from its content, its bytes."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def detect_type(head: bytes) -> str | None:
    """The flyer's type from its first bytes (never from its name)."""
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def clean_filename(name: str, content_type: str) -> str:
    """A safe stored name whose extension matches the detected type."""
    stem = secure_filename(name or "").rsplit(".", 1)[0][:200] or "flyer"
    return f"{stem}.{EXTENSIONS[content_type]}"


def check_flyer(form, field) -> None:
    """Size and type, read from the uploaded bytes; keeps the result in ``field.upload``."""
    field.upload = None
    storage = field.data
    if not storage or not getattr(storage, "filename", None):
        return
    data = storage.stream.read(MAX_FLYER_BYTES + 1)
    if len(data) > MAX_FLYER_BYTES:
        raise ValidationError(
            _(
                "The flyer is larger than 5 MB. Save it smaller (for example, export the PDF for "
                "the web) and choose it again."
            )
        )
    if not data:
        raise ValidationError(_("The chosen file is empty. Choose the flyer again."))
    content_type = detect_type(data)
    if content_type is None:
        raise ValidationError(
            _(
                "The flyer must be a PDF, PNG or JPEG file, and this file is none of those "
                "(whatever its name says). Choose another file."
            )
        )
    claimed = NAMED_TYPES.get(storage.filename.rpartition(".")[2].lower(), content_type)
    if "." in storage.filename and claimed != content_type:
        raise ValidationError(
            _(
                "This file is named like a %(claimed)s but is a %(actual)s. Check that you chose "
                "the right file, or save it again under a name that matches what it is.",
                claimed=KIND_NAMES.get(claimed) or _("different kind of file"),
                actual=KIND_NAMES[content_type],
            )
        )
    field.upload = Upload(clean_filename(storage.filename, content_type), content_type, data)


def flyer_field() -> FileField:
    return FileField(
        _l("Flyer (optional)"),
        [check_flyer],
        description=_l(
            "A PDF, PNG or JPEG file up to 5 MB. A text-based PDF reads best with screen readers."
        ),
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"},
    )


def replay_key_field() -> HiddenField:
    """The form's one-time key (see :mod:`.replay`): a fresh one on every new form page, the
    posted one when the page comes back with errors or a preview. A POST without one gets a
    fresh key, so it is simply not recognisable as a replay."""
    return HiddenField(
        _l("Form key"),
        [Regexp(KEY_PATTERN, message=_l("The form key is damaged: send the form again."))],
        default=new_key,
    )


class SubmissionForm(EventForm):
    """SPEC §2 fields, a flyer, and a honeypot for robots.

    ``website`` is hidden from people (CSS, ``tabindex=-1``, labelled "Leave this empty"):
    only robots fill it in. The view answers a filled honeypot like a success and saves
    nothing, so that a robot learns nothing from the answer."""

    flyer = flyer_field()
    replay_key = replay_key_field()
    #: The name of a flyer chosen before a preview: browsers cannot keep the file itself,
    #: so the final submit asks for it again instead of losing it silently.
    flyer_previewed = HiddenField(filters=[lambda v: (v or "")[:255]])
    website = StringField(
        _l("Leave this empty"),
        [Optional(), Length(max=500)],
        render_kw={"tabindex": "-1", "autocomplete": "off"},
    )

    @property
    def upload(self) -> Upload | None:
        return getattr(self.flyer, "upload", None)

    @property
    def is_spam(self) -> bool:
        return bool((self.website.data or "").strip())


class EditForm(EventForm):
    """The submission form as the manage link edits it: the flyer can be replaced or removed."""

    flyer = flyer_field()
    replay_key = replay_key_field()
    flyer_previewed = HiddenField(filters=[lambda v: (v or "")[:255]])
    remove_flyer = BooleanField(_l("Remove the current flyer"))

    #: The stored flyer's name, shown beside the field (set by the view).
    current_flyer: str | None = None
    _editing = None

    @property
    def editing(self):
        """The event being edited (set by the view): its capacity cannot go below the seats
        taken, and an imported series whose dates the choices cannot express (SPEC §6) may
        stay "As its source calendar says" (the other choices replace its rule)."""
        return self._editing

    @editing.setter
    def editing(self, event) -> None:
        self._editing = event
        if event is not None and event.recurrence == vocab.SOURCE_SERIES[0]:
            value, label = vocab.SOURCE_SERIES
            self.recurrence.choices = [*self.recurrence.choices, SelectChoice(value, _l(label))]
        if event is not None and event.import_source_id and not event.contact_email:
            # An imported event may have no contact (SPEC §6): editing it must not need one.
            for field in (self.contact_name, self.contact_email):
                field.validators = [Optional(), *field.validators[1:]]
                field.flags.required = False

    @property
    def upload(self) -> Upload | None:
        return getattr(self.flyer, "upload", None)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.editing is not None and self.registration_mode.data == "hub":
            from ..registration.services import capacity_problem

            problem = capacity_problem(self.editing, self.capacity.data)
            if problem:
                self.capacity.errors = [*self.capacity.errors, problem]
                valid = False
        return valid


class CancelForm(FlaskForm):
    """Cancelling needs a ticked confirmation, so one stray tap cannot cancel an event."""

    confirm = BooleanField(
        _l("Yes, cancel this event"),
        [DataRequired(_l("Tick the box to confirm that the event is cancelled."))],
    )
    replay_key = replay_key_field()
