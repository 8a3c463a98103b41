"""`lagesbild correct`: correct one misread value, as the web page's correction form does."""

from __future__ import annotations

import getpass

import click

from flow.settings import Config
from lagesbild.cli_base import cli, common_options, current, period_option


@cli.command("correct")
@common_options
@click.option("--municipality", required=True)
@click.option("--period", "period_text", required=True, metavar="YYYY-MM", help="The report's period.")
@click.option("--question", required=True, type=int, help="The question's number on the form.")
@click.option("--impact", type=int, help="The right impact level (1-5).")
@click.option("--comment", help="The right comment (the whole text).")
@click.option("--reason", required=True, help="Why (kept with the version and in the audit trail).")
@click.option("--by", "actor", help="Who corrects it (default: the logged-in user).")
def correct_cmd(municipality: str, period_text: str, question: int, impact: int | None, comment: str | None,
                reason: str, actor: str | None) -> None:
    """Correct a misread impact or comment of a report's latest version.

    The correction becomes a new version marked with who and why; the
    workbook, digest, signals and export use it, and the municipality is told
    in a short mail unless [corrections] tell_municipality is false. Exit 1
    when refused (e.g. it changes nothing), 2 on bad usage.

    Example: lagesbild correct --municipality Orsa --period 2026-10 --question 3 --impact 2 --reason "Läst fel"
    """
    from flow.correction import KEEP, CorrectionRequest, correct
    from flow.staff_ops import strict_municipality
    from lagesbild.runtime import open_store

    ctx = current()
    config: Config = ctx.config()
    if impact is None and comment is None:
        raise click.UsageError("give --impact, --comment or both")
    scale = config.county.form.scale
    if impact is not None and not scale.min <= impact <= scale.max:
        raise click.BadParameter(f"{impact} is not a level of the form's scale ({scale.min}-{scale.max})",
                                 param_hint="--impact")
    request = CorrectionRequest(
        municipality=strict_municipality(config, municipality), period=period_option(period_text),
        question=question, reason=reason, actor=actor or getpass.getuser(),
        impact=KEEP if impact is None else impact, comment=KEEP if comment is None else comment)
    made = correct(open_store(config), config, request, ctx.now())
    click.echo(f"{made.municipality} {made.period}: version {made.version} replaces version "
               f"{made.previous_version}")
    for change in made.changes:
        click.echo(f"  {change.label}: {change.before} -> {change.after}")
    if made.told:
        click.echo(f"  the municipality is told at {', '.join(made.told)}")
