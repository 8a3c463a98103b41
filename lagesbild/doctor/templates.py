"""The templates group: every mail template compiled, and each kind of mail built once with sample data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

from jinja2 import TemplateError, TemplateSyntaxError

from flow.calendar import deadline
from flow.settings import Config
from lagesbild.doctor.checks import Check
from lagesbild.samples import sample_answers
from outputs.blank_docx import build_blank_docx
from outputs.blank_forms import blank_form_filename
from outputs.blank_xlsx import build_blank_xlsx
from outputs.corrections import ChangedValue, build_correction_notice
from outputs.digest import build_digest, digest_file_html, digest_message
from outputs.notices import Arrival, CompilationSummary, build_compilation, build_reminder, build_signal_notice
from outputs.picture import CountyPicture, Group, MonthReport, MonthState
from outputs.replies import (
    ReplyContext,
    build_duplicate_notice,
    build_error_reply,
    build_receipt,
    build_staff_notice,
    environment,
)
from parsers.result import Issue, Period


def templates_check(config: Config, now: datetime) -> Check:
    """Compile every template and render each kind of mail once with sample data and the county's form."""
    env = environment()
    names = sorted(env.list_templates())
    current = ""
    try:
        for current in names:
            env.get_template(current)
        current = ""
        kinds = render_samples(config, now)
    except TemplateSyntaxError as exc:
        name = exc.name or current
        return Check("templates", False, f"{name} line {exc.lineno}: {exc.message}",
                     f"correct outputs/templates/{name}, or reinstall Lägesbild if it was changed by accident")
    except TemplateError as exc:
        name, line = _template_frame(exc.__traceback__)
        place = f"{name} line {line}" if name else "a template"
        return Check("templates", False, f"{place}: {exc.message or type(exc).__name__}",
                     f"correct outputs/templates/{name or ''}, or reinstall Lägesbild if it was changed by accident")
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        return Check("templates", False, f"the sample mail could not be built with form {config.county.form.id}: "
                     f"{type(exc).__name__}: {exc}", "check the form named in [county] form")
    return Check("templates", True, f"{len(names)} templates compile; {', '.join(kinds)} and the blank forms "
                 f"render with form {config.county.form.id}")


def _template_frame(tb: TracebackType | None) -> tuple[str, int]:
    """The template and line an error was raised in (jinja2 puts template frames in the traceback)."""
    found = ("", 0)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_samples(config: Config, now: datetime) -> list[str]:
    """Build every kind of mail once with made-up data; returns the kinds built. Raises what rendering raises."""
    county, form = config.county, config.county.form
    ctx = ReplyContext(county.name, county.sender_name, county.mailbox_address, form)
    tz = ZoneInfo(config.deadline.timezone)
    month = Period(now.year, now.month).previous()  # the digest's sample is of a month
    period = sample_period(config, now)
    names = [m.name for m in config.municipalities]
    muni = names[0]
    answers = sample_answers(form, muni, period)
    first = form.questions[0].number
    issues = (Issue.error(f"q{first}.impact", "Exempel: påverkan saknas."),
              Issue.warning(f"q{first}.comment", "Exempel: kommentaren är lång."))
    staff = list(county.staff) or [county.mailbox_address]
    docx = (blank_form_filename(form, "docx", muni, period), build_blank_docx(form, muni, period))
    build_blank_xlsx(form, muni, period)
    to = "samordnare@kommun.example"
    mid, subject = "<prov@doctor.example>", "Lägesbild"
    for held, late, inferred in ((False, False, False), (True, True, True)):
        build_receipt(ctx, to=to, original_message_id=mid, original_references=(), original_subject=subject,
                      municipality=muni, period=period, version=2 if held else 1, answers=answers, issues=issues,
                      period_inferred=inferred, late=late, held_for_review=held, filename=docx[0], now=now)
    build_error_reply(ctx, to=to, original_message_id=mid, original_references=(), original_subject=subject,
                      problems=["Exempel: ingen blankett bifogad."], blank_form=docx, now=now)
    build_duplicate_notice(ctx, to=to, original_message_id=mid, original_references=(), original_subject=subject,
                           municipality=muni, period=period, version=1, now=now)
    kinds = ["receipt", "error reply", "duplicate notice"]
    build_staff_notice(ctx, to=staff, subject="Prov", lines=["Exempel på en rad."], now=now)
    kinds.append("staff notice")
    sample_reminders(config, now)
    kinds.append("reminders")
    level = form.scale.levels[-1]
    build_signal_notice(ctx, to=staff, rule_name="Prov", municipality=muni, period=period,
                        question_label=f"Fråga {first}", level_name=level.name, excerpt=answers[first].comment,
                        now=now, reason="Exempel", received_at=now, reply_to=staff, tz=tz)
    kinds.append("signal")
    build_correction_notice(ctx, to=[to], municipality=muni, period=period, version=2, filename=docx[0],
                            changes=[ChangedValue(f"Fråga {first}, påverkan", "2 – Avvikande", "4 – Allvarligt")],
                            reason="Exempel", original_message_id=mid, now=now)
    kinds.append("correction notice")
    arrival = Arrival(muni, 2, now - timedelta(days=1), late=True, flags=("personal_data", "held"))
    summary = CompilationSummary(deadline(period, form.deadline), len(names), 1, 0, (arrival,), tuple(names[1:2]),
                                 tuple(names[2:3]), (muni,), 1)
    build_compilation(ctx, to=staff, period=period, summary=summary, workbook=("Lägesbild.xlsx", b"x"), now=now,
                      tz=tz)
    kinds.append("compilation")
    picture = _sample_picture(config, month, tz)
    digest = build_digest(picture, month)
    digest_message(digest, sender_name=county.sender_name, mailbox_address=county.mailbox_address,
                   to=list(county.leadership) or staff, now=now)
    digest_file_html(digest)
    kinds.append("digest")
    return kinds


def sample_period(config: Config, now: datetime) -> Period:
    """The period before `now`'s, of the form's kind: a month, or an ISO week for a weekly form."""
    local = now.astimezone(ZoneInfo(config.deadline.timezone)).date()
    return Period.containing(local, config.county.form.cadence).previous()


def sample_reminders(config: Config, now: datetime) -> list[EmailMessage]:
    """The reminder of each stage (before, on and after the deadline day) for the period before `now`'s, of
    the form's kind (a month, or an ISO week), with the deadline the form's configured rule gives it (a
    weekly form's "tisdag kl. 16.00"), as `flow.jobs.queue_reminders` builds them."""
    county, form = config.county, config.county.form
    ctx = ReplyContext(county.name, county.sender_name, county.mailbox_address, form)
    tz = ZoneInfo(config.deadline.timezone)
    period = sample_period(config, now)
    muni = config.municipalities[0].name
    blank = (blank_form_filename(form, "docx", muni, period), build_blank_docx(form, muni, period))
    staff = list(county.staff) or [county.mailbox_address]
    due = deadline(period, form.deadline)
    return [build_reminder(ctx, to=["samordnare@kommun.example"], cc=staff if stage == "after_deadline" else (),
                           municipality=muni, period=period, stage=stage, deadline=due, blank_form=blank, now=now,
                           tz=tz, due_at=form.deadline.at)
            for stage in ("before_deadline", "deadline_day", "after_deadline")]


def _sample_picture(config: Config, period: Period, tz: ZoneInfo) -> CountyPicture:
    """A year up to `period` for every configured municipality: one late, one missing, one held answer."""
    form = config.county.form
    names = tuple(m.name for m in config.municipalities)
    reports = {}
    for month in range(1, period.month + 1):
        p = Period(period.year, month)
        arrived = datetime.combine(date(p.year, p.month, 20), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        for i, name in enumerate(names):
            if month == period.month and i == 1:
                reports[(name, month)] = MonthReport(name, p, MonthState.MISSING)
                continue
            state = MonthState.LATE if month == period.month and i == 2 else MonthState.ON_TIME
            withheld = frozenset({form.questions[0].number}) if month == period.month and i == 0 else frozenset()
            answers = sample_answers(form, name, p)
            reports[(name, month)] = MonthReport(name, p, state, answers, arrived, arrived, 1, (), withheld)
    groups = tuple(Group(g.name, g.members) for g in config.groups)
    return CountyPicture(config.county.name, config.county.code, period.year, form, names, groups, reports)
