"""Sample filled-in forms for the demonstration, written the way people fill them in.

Deterministic: the same (municipality, period, seed) gives the same answers.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

import docx
import openpyxl

from outputs.blank_xlsx import build_blank_xlsx
from parsers.form import FormSpec
from parsers.period import month_name
from parsers.result import Answer, Period

_COMMENTS = {
    1: ["Flera inbrott i förråd i centrum.", "Buskörning med EPA-traktorer vid torget på helgerna.",
        "Två anlagda bränder i soprum.", "Skadegörelse på busskur och skola.", "Lugnt under månaden."],
    2: ["Polisen rapporterar ökat antal misshandelsfall i centrum.", "Hot mot personal på vårdcentral.",
        "Inga större förändringar.", "Ökning av anmälningar om våld i nära relation."],
    3: ["Klistermärken med extremistisk propaganda vid busstationen.", "Klotter med hakkors vid idrottsplatsen.",
        "Inga indikationer under månaden.", "Misstänkt rekrytering av unga till kriminella nätverk."],
    4: ["Bråk på fritidsgården en fredagskväll.", "Oro på högstadieskolan efter hot i sociala medier.",
        "Lugnt på skolorna.", "Ungdomsgrupper samlas vid köpcentret sena kvällar."],
    5: ["Narkotikahandel vid stationen enligt polisen.", "Nätdroger bland unga uppmärksammade av skolan.",
        "Langning av alkohol inför skolavslutningen.", "Inga nya signaler."],
    6: ["Hot mot politiker i sociala medier.", "Ryktesspridning efter en brand.", "Marknad planeras nästa månad.",
        "Inget att rapportera."],
    7: ["Nattvandrare ute varje helg.", "Trygghetsvandring genomförd med bostadsbolaget.",
        "Ny fältgrupp på plats från den här månaden.", ""],
}


@dataclass(frozen=True, slots=True)
class SampleForm:
    """A filled-in form: its answers and the file as a person would send it."""

    municipality: str
    period: Period
    answers: dict[int, Answer]
    filename: str
    data: bytes


def sample_answers(form: FormSpec, municipality: str, period: Period, seed: int = 0) -> dict[int, Answer]:
    """Plausible answers, mostly Normalt/Avvikande with the odd worse month."""
    rng = random.Random(f"{municipality}-{period}-{seed}")
    # The usual spread on a five-step scale; another scale takes as many of its steps' weights.
    levels = list(range(form.scale.min, form.scale.max + 1))
    weights = [40, 32, 18, 8, 2][:len(levels)] + [1] * max(0, len(levels) - 5)
    answers = {}
    for q in form.questions:
        impact = rng.choices(levels, weights=weights)[0] if q.impact else None
        pool = _COMMENTS.get(q.number, [""])
        # A calm month gets a calm comment, a worse one a comment that says what happened.
        calm = [c for c in pool if c.startswith(("Lugnt", "Inga", "Inget"))]
        busy = [c for c in pool if c not in calm] or pool
        comment = rng.choice(calm if impact == 1 and calm else busy)
        answers[q.number] = Answer(impact, comment)
    return answers


def template_docx(form: FormSpec, municipality: str, period: Period, answers: dict[int, Answer]) -> bytes:
    """The county's Word template typed into: "Påverkan: 3", the comment after "Kommentar:".
    A weekly form's period line reads "Vecka och år: Vecka 43 2026"."""
    document = docx.Document()
    document.add_paragraph(f"{form.title}")
    if period.is_week:
        document.add_paragraph(f"{form.labels.period[0]}: Vecka {period.week} {period.year}")
    else:
        document.add_paragraph(f"{month_name(period.month).capitalize()} månad {period.year}")
    for para in form.intro.split("\n\n"):
        document.add_paragraph(para.strip())
    document.add_paragraph(f"Underlaget inlämnat av kommun: {municipality} kommun")
    document.add_paragraph(form.instruction)
    for q in form.questions:
        wording = q.text if not q.text.startswith(q.short) else q.text[len(q.short):].lstrip()
        document.add_paragraph(f"{form.labels.question[0]} {q.number}, {q.short}: {wording}")
        answer = answers[q.number]
        if q.impact:
            document.add_paragraph(f"Påverkan: {answer.impact if answer.impact else form.scale.range_labels[0]}")
        document.add_paragraph(f"Kommentar: {answer.comment}")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def filled_xlsx(form: FormSpec, municipality: str, period: Period, answers: dict[int, Answer]) -> bytes:
    """The county's Excel form with its input cells filled in."""
    wb = openpyxl.load_workbook(io.BytesIO(build_blank_xlsx(form, municipality, period)))
    for q in form.questions:
        answer = answers[q.number]
        if q.impact and answer.impact:
            _set_named(wb, f"q{q.number}_impact", answer.impact)
        if answer.comment:
            _set_named(wb, f"q{q.number}_comment", answer.comment)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _set_named(wb: openpyxl.Workbook, name: str, value: object) -> None:
    defined = wb.defined_names[name]
    for sheet, ref in defined.destinations:
        wb[sheet][ref.replace("$", "")] = value


def sample_forms(form: FormSpec, municipalities: list[str], period: Period) -> list[SampleForm]:
    """One form per municipality, alternating Word and Excel."""
    out = []
    for i, name in enumerate(municipalities):
        answers = sample_answers(form, name, period)
        if i % 3 == 2:
            data, ext = filled_xlsx(form, name, period, answers), "xlsx"
        else:
            data, ext = template_docx(form, name, period, answers), "docx"
        when = f"vecka {period.week}" if period.is_week else month_name(period.month)
        filename = f"Lägesbild {when} {period.year} {name}.{ext}"
        out.append(SampleForm(name, period, answers, filename, data))
    return out


def sample_mail(sender: str, subject: str, body: str, attachments: list[tuple[str, bytes]], *,
                message_id: str, date: datetime, headers: dict[str, str] | None = None) -> bytes:
    """An e-mail as a municipality's mail program would send it (for the demonstration)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "lagesbild@lansstyrelsen-dalarna.example"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(date)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, data in attachments:
        maintype, subtype = _CONTENT_TYPES.get(filename.rsplit(".", 1)[-1], ("application", "octet-stream"))
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


_CONTENT_TYPES = {
    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
