"""The county group: recipients, municipalities, signals, the first period and whose sender verdicts count."""

from __future__ import annotations

from flow.settings import Config
from lagesbild.doctor.checks import Check, joined

_PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org")


def is_placeholder(address: str) -> bool:
    """An address on a domain reserved for examples (RFC 2606): mail to it goes nowhere."""
    domain = address.rsplit("@", 1)[-1].lower().rstrip(".")
    return domain.endswith((".example", ".invalid", ".test")) or domain in _PLACEHOLDER_DOMAINS \
        or domain.endswith(tuple("." + d for d in _PLACEHOLDER_DOMAINS))


def county_checks(config: Config) -> list[Check]:
    """Recipients present and real, every municipality reachable, signals addressed, first_period set."""
    county = config.county
    checks: list[Check] = []
    if not county.staff:
        checks.append(Check("recipients", False, "[county] staff is empty: quarantine and error notices and "
                            "the compilations reach nobody", "add the county staff's addresses to [county] staff"))
    if not county.leadership:
        checks.append(Check("recipients", True, "[county] leadership is empty: the monthly digest goes to nobody",
                            "add the leadership's addresses to [county] leadership"))
    fake = [f"{key} {a}" for key, values in (("mailbox_address", (county.mailbox_address,)),
                                               ("staff", county.staff), ("leadership", county.leadership))
            for a in values if is_placeholder(a)]
    if fake:
        checks.append(Check("recipients", True, f"[county] {'; '.join(fake)}: example address, mail to it goes "
                            "nowhere", "put the county's real addresses in [county]"))
    if not checks:
        checks.append(Check("recipients", True, f"staff {len(county.staff)}, leadership {len(county.leadership)} "
                            f"address{'es' if len(county.leadership) != 1 else ''}; mail comes from "
                            f"{county.mailbox_address}"))
    if county.first_period is None:
        checks.append(Check("county", True, "[county] first_period is not set: the county starts in the month of "
                            "its first run (written down in the database then)",
                            "set [county] first_period = \"YYYY-MM\" to start in another month"))
    else:
        checks.append(Check("county", True, f"{county.name} collects reports from {county.first_period}"))
    checks += _municipality_checks(config)
    checks += _signal_checks(config)
    checks.append(trust_check(config))
    return checks


def trust_check(config: Config) -> Check:
    """Whose verdict on senders is believed (flow.trust); a warning when nobody's is."""
    from flow.trust import trusted_source

    source = trusted_source(config)
    sec = config.security
    if source == "authserv":
        return Check("security", True, f"sender verdicts believed from {', '.join(sec.trusted_authserv_ids)} "
                     "(the topmost Authentication-Results with that id)")
    if source == "exchange":
        return Check("security", True, "sender verdicts believed from Exchange Online (its stamp on mail that "
                     "carries X-MS-Exchange-Organization-AuthAs)")
    fix = ("set [security] trusted_authserv_ids = [\"<the authserv-id your mail server writes>\"], or trust = "
           "\"exchange\" when the mail comes through Microsoft 365")
    if sec.require_authentication:
        return Check("security", False, "[security] require_authentication is on but no server's verdict is "
                     "believed: every report would be quarantined", fix)
    return Check("security", True, "no server's verdict on senders is believed: a forged municipal From is "
                 "judged by its address alone (only a failed DMARC in the topmost header is acted on)", fix)


def _municipality_checks(config: Config) -> list[Check]:
    munis = config.municipalities
    out: list[Check] = []
    unreachable = [m.name for m in munis if not m.domains and not m.addresses]
    if unreachable:
        one = len(unreachable) == 1
        out.append(Check("municipalities", False, f"{joined(unreachable)} {'has' if one else 'have'} no sender "
                         "domains or addresses: every report from them is quarantined",
                         "add domains = [\"kommun.se\"] (or addresses) under their [[municipalities]]"))
    silent = [m.name for m in munis if not m.contacts]
    if silent:
        one = len(silent) == 1
        out.append(Check("municipalities", True, f"{joined(silent)} {'has' if one else 'have'} no contacts: "
                         "reminders go to the last sender (and staff are told when there is none)",
                         "add contacts = [\"samordnare@kommun.se\"] under their [[municipalities]]"))
    fake = [f"{m.name} {a}" for m in munis for a in (*m.contacts, *m.addresses) if is_placeholder(a)]
    if fake:
        out.append(Check("municipalities", True, f"example addresses: {'; '.join(fake)}",
                         "put the municipalities' real addresses in [[municipalities]]"))
    if not out:
        out.append(Check("municipalities", True, f"{len(munis)}, each with sender domains and contacts"))
    return out


def _signal_checks(config: Config) -> list[Check]:
    rules = config.signals
    if not rules:
        return [Check("signals", True, "none configured")]
    fake = [f"{r.name} → {a}" for r in rules for a in r.to if is_placeholder(a)]
    if fake:
        return [Check("signals", True, f"example addresses: {'; '.join(fake)}",
                      "put the other missions' real addresses in [[signals]] to, or remove the rules")]
    return [Check("signals", True, f"{len(rules)} rule{'s' if len(rules) != 1 else ''}: "
                  + "; ".join(f"{r.name} → {', '.join(r.to)}" for r in rules))]
