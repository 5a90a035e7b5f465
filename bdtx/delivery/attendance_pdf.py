"""The printable sign-in sheet of a session (danh sách ký tên): the organising unit beside the national header,
the class and the session's date, time and place, then STT | Họ và tên | Mã định danh | Đơn vị | Ký tên with rows
tall enough to sign in, the header repeated on every page, and the presenter's signature at the end."""

from django.utils.translation import gettext as _
from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace

from bdtx.appraisals.pdf import Places
from bdtx.lib.pdf import FONT, GREY, Document, Signature, nfc

from .models import ClassSession

ROW_HEIGHT = 11  # mm: room for a signature
WIDTHS = (8, 34, 18, 30, 22)  # STT | Họ và tên | Mã định danh | Đơn vị | Ký tên (proportions)


def sign_in_sheet(session: ClassSession, enrolments) -> Document:
    """The sheet for `enrolments` (already in name order, with staff and staff.unit loaded)."""
    training_class = session.training_class
    places = Places(training_class.organiser)
    document = Document(title=_("Sign-in sheet") + f" {session}", font_size=10.5)
    document.national_header(unit_lines=places.header_lines())
    document.heading(
        _("Sign-in sheet"),
        f"{training_class.code} · {training_class.title}",
        _("School year %(year)s") % {"year": training_class.school_year},
    )
    when = _("%(date)s, from %(start)s to %(end)s") % {
        "date": f"{session.date:%d/%m/%Y}",
        "start": f"{session.starts_at:%H:%M}",
        "end": f"{session.ends_at:%H:%M}",
    }
    pairs = [(_("Session"), when), (_("Venue"), session.place or session.online_link)]
    presenters = ", ".join(trainer.full_name for trainer in training_class.trainers.all())
    if presenters:
        pairs.append((_("Presenters"), presenters))
    pairs.append(
        (
            _("Learners"),
            _("%(count)d enrolled; %(periods)d periods") % {"count": len(enrolments), "periods": session.periods},
        )
    )
    document.fields(pairs)
    headers = [_("Serial no."), _("Full name"), _("Staff code"), _("Unit"), _("Signature")]
    size = document.base_size - 0.5
    document.set_font(FONT, size=size)
    with document.table(
        col_widths=WIDTHS,
        line_height=size * 0.5,
        padding=(0.8, 1.2),
        headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
        borders_layout=TableBordersLayout.ALL,
        repeat_headings=1,
        v_align="MIDDLE",
        text_align=("C", "L", "L", "L", "L"),
    ) as table:
        heading = table.row()
        for header in headers:
            heading.cell(nfc(header), align="C")
        for number, enrolment in enumerate(enrolments, start=1):
            staff = enrolment.staff
            row = table.row(min_height=ROW_HEIGHT)
            for value in (str(number), staff.full_name, staff.code, staff.unit.name, ""):
                row.cell(nfc(value))
    document.set_font(FONT, size=document.base_size)
    document.ln(3)
    document.signatures([Signature(role=_("Presenter"))], place=places.place, day=session.date)
    return document
