"""The rules of RULES.md §5, one declaration each, and the shared context they read.

Each rule is a `Rule`: a stable code, a severity (`block`, `override`, `warn`), a title, the
"fires when" condition in words, its sources and, where RULES.md is silent and a clinical choice
had to be made, a `help_text` saying what was chosen. Its `detect(ctx)` is a pure function that
returns a detail string (the dates, codes and numbers that made it fire) or None; `Rule.check`
turns that into a `Finding`. Like Django's system checks, every rule runs and every result is
kept, never just the first.

Adding a rule is one declaration here (`@rule(...)` on its detect function, or a
`condition_rule(...)` call) plus its tests. `RULES` is the registry, ordered as findings are
reported: severity (block, override, warn), then code.

Rules read only `Context`: the validated facts plus what several rules share, computed once by
the engine (age, the last session and the completed session count, both from the completed
sessions on or before on_date as RULES.md v1.1 §5 defines them, current medications, the baseline
and latest VSS readings). Nothing here touches the ORM, the clock or settings.
"""

from __future__ import annotations

import calendar
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

from protocols.codes import (
    BELOW_KNEE_SITES,
    DELICATE_SITES,
    FOREHEAD_TEMPLE_SITES,
    HAIR_BEARING_SITES,
    AdverseEvent,
    BodySite,
    Condition,
    Medication,
    Morphology,
    SessionStatus,
    SiteFinding,
    Technique,
)

BLOCK = "block"
OVERRIDE = "override"
WARN = "warn"
SEVERITIES = (BLOCK, OVERRIDE, WARN)  # most severe first: the order findings are reported in
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}

SOURCES: dict[str, str] = {
    "seed": "The clinic's own protocol sheet for cryotherapy of scars (protocol-sheet.md beside RULES.md).",
    "DESIGN": "CryoCare design decision (RULES.md).",
    "S1": "O'Boyle CP et al. Intralesional cryotherapy for hypertrophic scars and keloids: a review. "
    "Scars Burns Heal 2017. PMC5965337.",
    "S2": "van Leeuwen MCE et al. Intralesional cryotherapy for keloid scars: evaluating effectiveness. "
    "PRS Glob Open 2015.",
    "S3": "van Leeuwen MCE et al. Intralesional cryotherapy for keloid scars: a prospective study. PRS 2015;135:580.",
    "S6": "Zouboulis CC et al. Cryosurgery in keloids and hypertrophic scars. Wound Repair Regen 2002.",
    "S7": "Zouboulis CC et al. Outcomes of cryosurgery in keloids and hypertrophic scars. Arch Dermatol 1993;129:1146.",
    "S8": "Rusciani L et al. Cryotherapy in the treatment of keloids. J Drugs Dermatol 2006;5:591.",
    "S9": "Rusciani L et al. Use of cryotherapy in the treatment of keloids. J Dermatol Surg Oncol 1993.",
    "S11": "Har-Shai Y et al. Intralesional cryotherapy for hypertrophic scars and keloids. PRS 2003;111:1841.",
    "S14": "keloid.com, Cryotherapy for keloid scars (with cited references).",
    "S18": "PRIME journal, Minimising and preventing difficult scars.",
    "S20": "Cryosurgery for cosmetic procedures (textbook chapter).",
    "S21": "Har-Shai Y et al. Skin surface temperature in contact and intralesional cryosurgery. JEADV 2007.",
    "S26": "Monstrey S et al. Updated Scar Management Practical Guidelines. JPRAS 2014.",
    "S28": "Sharma VK, Khandpur S. Guidelines for cryotherapy. IJDVL 2009;75:90.",
    "S29": "Contraindications to cryosurgery (skin-disease-care.com).",
    "S30": "Zimmerman EE, Crawford P. Cutaneous cryosurgery. Am Fam Physician 2012.",
    "S31": "FPnotebook, Cryotherapy.",
    "S32": "DermNet NZ / ProCare, Liquid nitrogen cryotherapy guidelines.",
    "S33": "Clebak KT et al. Cutaneous cryosurgery for common skin conditions. Am Fam Physician 2020;101:399.",
    "S34": "Skin Renewal, Cryotherapy (site precautions).",
    "S35": "Textbook excerpt on cryotherapy drawbacks (platelet deficiency).",
    "S36": "ClinicalGate, Cryotherapy contraindications and precautions.",
    "S37": "MedicalAlgorithms, Contraindications for therapeutic cold treatment.",
    "S38": "Giménez-Arnau A et al. Ultra-freeze induced cold contact wheals during cryosurgery. EJD 2013.",
    "S39": "Clinical practice trends in cryosurgery. Postep Derm Alergol 2015.",
    "S40": "East Cheshire NHS, Care of your skin after cryotherapy.",
    "S43": "Softskin clinic, krioterapia – przeciwwskazania.",
    "S44": "WV Dermatology, Wound care – cryosurgery.",
    "S47": "Spring LK et al. Isotretinoin and timing of procedural interventions. JAMA Dermatol 2017.",
    "S48": "Waldman A et al. ASDS consensus on procedures during/after isotretinoin. Dermatol Surg 2017.",
}


def source_name(code: str) -> str:
    """A source as people cite it: "Clinic protocol sheet", "Zouboulis et al. 1993", "DermNet NZ / ProCare"."""
    if code == "seed":
        return "Clinic protocol sheet"
    if code == "DESIGN":
        return "CryoCare design decision"
    text = SOURCES.get(code)
    if text is None:
        return code
    author = re.match(r"^((?:van |de |von )?[A-Z][\w'’-]+) [A-Z]{1,4}\b", text)
    year = re.search(r"\b(?:19|20)\d\d\b", text)
    if author and year:
        return f"{author.group(1)}{' et al.' if 'et al' in text else ''} {year.group(0)}"
    return re.split(r", |\. ", text)[0].rstrip(".")


# What the rules' conditions call facts, in words; codes are said by their labels (`in_words`).
FACT_WORDS = {
    "on_date": "the session date",
    "stage": "the stage",
    "treat": "treatment",
    "patient.consent": "the patient's consent",
    "patient.pregnant": "pregnant",
    "scar.morphology": "the scar's morphology",
    "scar.diagnosis_uncertain": "diagnosis uncertain",
    "height_mm": "height (mm)",
}
CODE_WORDS = {
    code.value: code.label.lower()
    for vocabulary in (Condition, Medication, SiteFinding, AdverseEvent, BodySite, Morphology, Technique)
    for code in vocabulary
}


def rules_reading(code: str) -> list[Rule]:
    """The rules whose condition reads `code` (a condition, medication, site finding... code), most
    severe first: what a patient's alert says the code does."""
    return [rule for rule in RULES if f"`{code}`" in rule.condition]


def in_words(text: str) -> str:
    """A rule's condition with its `codes` and `facts` said in words ("condition cold urticaria")."""
    return re.sub(
        r"`([^`]+)`", lambda m: FACT_WORDS.get(m[1]) or CODE_WORDS.get(m[1]) or m[1].replace("_", " "), text
    )


def expand_sources(text: str) -> tuple[str, ...]:
    """Turn a RULES.md source cell ("seed, S28–S31") into ids ("seed", "S28", "S29", "S30", "S31")."""
    ids: list[str] = []
    for part in text.split(","):
        part = part.strip()
        first, dash, last = part.replace("–", "-").partition("-")
        if dash:
            ids.extend(f"S{n}" for n in range(int(first.strip()[1:]), int(last.strip()[1:]) + 1))
        else:
            ids.append(part)
    return tuple(ids)


# --- The validated facts and the shared context -----------------------------------------------


class AdverseEventRecord(NamedTuple):
    """One adverse event of a history entry, with that session's date and status."""

    session_date: date
    session_status: str
    code: str
    resolved: bool


class MedicationRecord(NamedTuple):
    code: str
    stopped: date | None


# A VSS reading: an assessment's date and its validated `vss` object, the four Vancouver Scar
# Scale items by name. Kept as the pair the facts give, not copied into an object of its own: the
# two rules that read it use a few of its items.
VssReading = tuple[date, dict]


def vss_total(vss: dict) -> int:
    """The Vancouver Scar Scale total, 0–13 (RULES.md §5)."""
    return vss["vascularity"] + vss["pigmentation"] + vss["pliability"] + vss["height"]


@dataclass(slots=True)
class Context:
    """Validated facts plus everything two or more rules share, computed once per evaluation."""

    on_date: date
    stage: str
    technique: str
    min_interval_days: int
    max_interval_days: int
    birth_date: date
    age: int  # whole years on on_date
    sex: str
    fitzpatrick: int | None
    pregnant: bool | None
    consent: bool | None
    conditions: frozenset[str]
    medications: tuple[MedicationRecord, ...]
    current_medications: dict[str, date | None]  # code -> stop date (None = still taking)
    morphology: str
    body_site: str
    onset_date: date | None
    height_mm: float | None
    site_findings: frozenset[str]
    diagnosis_uncertain: bool
    adverse_events: tuple[AdverseEventRecord, ...]  # of every history entry, any status or date
    last_session_date: date | None  # latest completed session on or before on_date (RULES.md v1.1 §5)
    completed_sessions: int  # completed sessions on or before on_date
    assessments_considered: int  # assessments dated on or before on_date
    vss_baseline: VssReading | None  # earliest of those with a VSS
    vss_latest: VssReading | None  # latest of those with a VSS


class _IsoDates(dict):
    """date → its YYYY-MM-DD text, made once per date: `iso[day]`.

    `date.isoformat()` costs several times a dict lookup, and the same dates recur in a decision
    (on_date in many details, the last session in the window and the interval rules) and across a
    batch. Cleared when full, to bound its memory.
    """

    def __missing__(self, day: date) -> str:
        if len(self) >= 65536:
            self.clear()
        text = self[day] = day.isoformat()
        return text


iso = _IsoDates()


def age_on(birth_date: date, on_date: date) -> int:
    """Whole years on `on_date`. A 29 February birthday comes round on 1 March in common years."""
    years = on_date.year - birth_date.year
    if on_date.month < birth_date.month or (on_date.month == birth_date.month and on_date.day < birth_date.day):
        return years - 1  # the birthday is still to come this year
    return years


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- Rules and findings -----------------------------------------------------------------------


def finding_dict(code: str, severity: str, title: str, detail: str, sources: tuple[str, ...], printable: bool) -> dict:
    """A finding as the decision document carries it (the engine builds its findings with this)."""
    return {
        "code": code,
        "severity": severity,
        "title": title,
        "detail": detail,
        "sources": list(sources),
        "printable": printable,
    }


class Finding(NamedTuple):
    code: str
    severity: str
    title: str
    detail: str
    sources: tuple[str, ...]
    printable: bool = False

    def as_dict(self) -> dict:
        return finding_dict(*self)


@functools.lru_cache(maxsize=256)
def _render(template: str, min_interval_days: int, max_interval_days: int) -> str:
    return template.format(min_interval_days=min_interval_days, max_interval_days=max_interval_days)


# Facts that many documents lack: conditions, medications, adverse events, site findings, a
# recorded pregnancy, an uncertain diagnosis. A rule that cannot fire without them says so
# (`Rule.needs`), and the engine does not ask it about a document without them: a document with
# none of them skips twenty-two of the thirty-eight rules.
SPARSE_FACTS = ("conditions", "medications", "adverse_events", "site_findings", "pregnant", "diagnosis_uncertain")


def sparse_facts_lacking(ctx: Context) -> tuple[bool, ...]:
    """For each of SPARSE_FACTS in turn, whether `ctx` lacks it (has none, or false or null)."""
    return (
        not ctx.conditions,
        not ctx.medications,
        not ctx.adverse_events,
        not ctx.site_findings,
        not ctx.pregnant,
        not ctx.diagnosis_uncertain,
    )


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of RULES.md §5.

    `title` and `condition` may name protocol parameters in braces ("{min_interval_days}"); use
    `title_for` / `condition_for` to show them with the values in force.

    `needs` names the SPARSE_FACTS the rule reads, without which it cannot fire: its detect
    function returns None when all of them are empty. `sites`, for a rule about a group of body
    sites (RULES.md §4), are those sites: its detect function returns None elsewhere. The engine
    does not ask a rule about a document where it cannot fire; a test holds each rule to both.
    """

    code: str
    severity: str
    title: str
    condition: str
    sources: tuple[str, ...]
    detect: Callable[[Context], str | None]
    help_text: str = ""
    # Said on the consent form and the aftercare sheet, in the patient's words, when it fires
    # (RULES.md v1.1 §5: "WRN-01, WRN-02, WRN-03, WRN-05 and WRN-09 are `printable`").
    printable: bool = False
    needs: tuple[str, ...] = ()
    sites: frozenset[str] | None = None  # None: any site

    def check(self, ctx: Context) -> Finding | None:
        detail = self.detect(ctx)
        return None if detail is None else self.finding(ctx, detail)

    def finding(self, ctx: Context, detail: str) -> Finding:
        return Finding(self.code, self.severity, self.title_in(ctx), detail, self.sources, self.printable)

    def title_in(self, ctx: Context) -> str:
        """The title with the parameters of this evaluation filled in."""
        if "{" not in self.title:
            return self.title
        return _render(self.title, ctx.min_interval_days, ctx.max_interval_days)

    def title_for(self, parameters: dict) -> str:
        return self.title.format_map(parameters)

    def condition_for(self, parameters: dict) -> str:
        return self.condition.format_map(parameters)


_DECLARED: list[Rule] = []


def _declare(new: Rule) -> Rule:
    if new.severity not in SEVERITY_RANK:
        raise ValueError(f"{new.code}: unknown severity {new.severity!r}")
    if any(existing.code == new.code for existing in _DECLARED):
        raise ValueError(f"{new.code}: declared twice")
    unknown = [source for source in new.sources if source not in SOURCES]
    if unknown:
        raise ValueError(f"{new.code}: unknown sources {unknown}")
    if not set(new.needs) <= set(SPARSE_FACTS):
        raise ValueError(f"{new.code}: needs {new.needs}, not among {SPARSE_FACTS}")
    if new.sites is not None and not new.sites <= set(BodySite.values):
        raise ValueError(f"{new.code}: unknown sites {sorted(new.sites - set(BodySite.values))}")
    _DECLARED.append(new)
    return new


def rule(
    code: str,
    severity: str,
    title: str,
    *,
    condition: str,
    sources: str,
    help_text: str = "",
    printable: bool = False,
    needs: tuple[str, ...] = (),
    sites: frozenset[str] | None = None,
) -> Callable[[Callable[[Context], str | None]], Callable[[Context], str | None]]:
    """Declare a rule around its detect function; `sources` is the RULES.md cell ("seed, S28–S31")."""

    def register(detect: Callable[[Context], str | None]) -> Callable[[Context], str | None]:
        _declare(
            Rule(
                code=code,
                severity=severity,
                title=title,
                condition=condition,
                sources=expand_sources(sources),
                detect=detect,
                help_text=help_text,
                printable=printable,
                needs=needs,
                sites=sites,
            )
        )
        return detect

    return register


def condition_rule(code: str, severity: str, condition_code: str, *, sources: str, help_text: str = "") -> Rule:
    """Declare a rule that fires when one patient condition is on record."""
    condition_code = Condition(condition_code).value  # a plain str: faster set lookups than the enum
    label = CONDITION_LABELS[condition_code]
    detail = f"Condition on record: {label} ({condition_code})."

    def detect(ctx: Context) -> str | None:
        return detail if condition_code in ctx.conditions else None

    detect.__name__ = f"detect_{condition_code}"
    return _declare(
        Rule(
            code=code,
            severity=severity,
            title=label,
            condition=f"condition `{condition_code}`",
            sources=expand_sources(sources),
            detect=detect,
            help_text=help_text,
            needs=("conditions",),
        )
    )


# --- Detail helpers ---------------------------------------------------------------------------

# Plain str codes and labels, looked up once: enum member access is slow on the hot path.
CONDITION_LABELS = {code.value: code.label for code in Condition}
_MEDICATION_LABELS = {code.value: code.label.lower() for code in Medication}
_SITE_LABELS = {code.value: code.label.lower() for code in BodySite}
_SITE_FINDING_LABELS = {code.value: code.label.lower() for code in SiteFinding}
_BLOOD_THINNERS = (Medication.ANTICOAGULANT.value, Medication.ANTIPLATELET.value)
_IMMUNOSUPPRESSANT = Medication.IMMUNOSUPPRESSANT.value
_ISOTRETINOIN = Medication.ISOTRETINOIN.value
ISOTRETINOIN_WASHOUT = timedelta(days=365)  # WRN-04: "stopped within the 365 days before on_date"
_BLEEDING_DISORDER = Condition.BLEEDING_DISORDER.value
_INFECTION_OR_INFLAMMATION = (SiteFinding.ACTIVE_INFECTION.value, SiteFinding.INFLAMMATION.value)
_OPEN_WOUND = SiteFinding.OPEN_WOUND.value
_ACTIVE_SKIN_DISEASE = SiteFinding.ACTIVE_SKIN_DISEASE.value


def _site(code: str) -> str:
    return _SITE_LABELS[code]


def _medication_status(ctx: Context, code: str) -> str:
    stopped = ctx.current_medications[code]
    label = _MEDICATION_LABELS[code]
    if stopped is None:
        return f"{label} (still taking)"
    return f"{label} (current: stops {iso[stopped]}, on or after {iso[ctx.on_date]})"


def _bleeding_risks(ctx: Context) -> list[str]:
    risks = []
    if ctx.current_medications:
        for code in _BLOOD_THINNERS:
            if code in ctx.current_medications:
                risks.append(_medication_status(ctx, code))
    if _BLEEDING_DISORDER in ctx.conditions:
        risks.append("bleeding disorder on record")
    return risks


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


# --- Blocks -----------------------------------------------------------------------------------

_INDICATED_MORPHOLOGIES = frozenset({"hypertrophic", "keloid"})


@rule(
    "IND-01",
    BLOCK,
    "Not an indication for cryotherapy",
    condition="`scar.morphology` is not `hypertrophic` or `keloid` (cryotherapy destroys raised tissue; "
    "flat or atrophic scars are not an indication)",
    sources="seed, S6, S7",
)
def detect_not_indicated(ctx: Context) -> str | None:
    if ctx.morphology in _INDICATED_MORPHOLOGIES:
        return None
    return f"Scar morphology is {ctx.morphology}; cryotherapy is indicated for hypertrophic scars and keloids only."


@rule(
    "ASM-01",
    BLOCK,
    "No scar assessment",
    condition="no assessment dated on or before `on_date` (clinical evaluation of the scar comes before any session)",
    sources="seed",
    help_text="Only assessments dated on or before on_date count: an evaluation recorded after the proposed "
    "session date does not come before it. An assessment on on_date itself (at check-in) counts.",
)
def detect_no_assessment(ctx: Context) -> str | None:
    if ctx.assessments_considered:
        return None
    return f"No scar assessment is recorded on or before {iso[ctx.on_date]}."


condition_rule("ABS-01", BLOCK, Condition.COLD_URTICARIA, sources="seed, S29, S31, S36")
condition_rule("ABS-02", BLOCK, Condition.CRYOGLOBULINEMIA, sources="seed, S28–S31")
condition_rule("ABS-03", BLOCK, Condition.CRYOFIBRINOGENEMIA, sources="S29, S30")
condition_rule("ABS-04", BLOCK, Condition.COLD_AGGLUTININ_DISEASE, sources="S36, S37")
condition_rule("ABS-05", BLOCK, Condition.RAYNAUD, sources="seed, S28–S30")

_HYPERSENSITIVITY_EVENTS = frozenset({AdverseEvent.URTICARIA.value, AdverseEvent.HYPERSENSITIVITY.value})
_CRYOTHERAPY_HYPERSENSITIVITY = Condition.CRYOTHERAPY_HYPERSENSITIVITY.value


@rule(
    "ABS-06",
    BLOCK,
    "Hypersensitivity to cryotherapy",
    condition="condition `cryotherapy_hypersensitivity`, or any history adverse event `urticaria` or "
    "`hypersensitivity`",
    sources="S32, S33, S38",
    help_text="Every history entry is read, whatever its status or date and whether or not the event "
    "resolved: a cold-induced urticarial or hypersensitivity reaction is a lasting fact about the patient.",
    needs=("conditions", "adverse_events"),
)
def detect_hypersensitivity(ctx: Context) -> str | None:
    if not ctx.adverse_events and _CRYOTHERAPY_HYPERSENSITIVITY not in ctx.conditions:
        return None
    reasons = []
    if _CRYOTHERAPY_HYPERSENSITIVITY in ctx.conditions:
        reasons.append("condition on record: hypersensitivity to cryotherapy (cryotherapy_hypersensitivity)")
    for event in ctx.adverse_events:
        if event.code in _HYPERSENSITIVITY_EVENTS:
            reasons.append(
                f"{event.code} recorded after the session of {iso[event.session_date]} ({event.session_status})"
            )
    if not reasons:
        return None
    text = "; ".join(reasons)
    return text[0].upper() + text[1:] + "."


@rule(
    "ABS-07",
    BLOCK,
    "Infection or inflammation at the site",
    condition="site finding `active_infection` or `inflammation`",
    sources="seed",
    needs=("site_findings",),
)
def detect_infection_or_inflammation(ctx: Context) -> str | None:
    if not ctx.site_findings:
        return None
    found = [_SITE_FINDING_LABELS[code] for code in _INFECTION_OR_INFLAMMATION if code in ctx.site_findings]
    if not found:
        return None
    return f"Treatment site ({ctx.body_site}) has {' and '.join(found)} on the latest examination."


@rule(
    "ABS-08",
    BLOCK,
    "Open wound at the site",
    condition="site finding `open_wound`",
    sources="seed, S40",
    needs=("site_findings",),
)
def detect_open_wound(ctx: Context) -> str | None:
    if _OPEN_WOUND not in ctx.site_findings:
        return None
    return f"Treatment site ({ctx.body_site}) has an open wound on the latest examination."


@rule(
    "ABS-09",
    BLOCK,
    "Diagnosis uncertain",
    condition="`scar.diagnosis_uncertain` (refer for diagnosis/biopsy first)",
    sources="S32, S33",
    needs=("diagnosis_uncertain",),
)
def detect_diagnosis_uncertain(ctx: Context) -> str | None:
    if not ctx.diagnosis_uncertain:
        return None
    return (
        f"The clinician is not sure this {ctx.morphology} lesion is a keloid or hypertrophic scar: "
        "refer for diagnosis or biopsy first."
    )


condition_rule("ABS-10", BLOCK, Condition.SEVERE_PERIPHERAL_CIRCULATION_DISORDER, sources="seed, S32")


@rule(
    "ABS-11",
    BLOCK,
    "No informed consent",
    condition="`stage` is `treat` and `patient.consent` is not true",
    sources="S32",
    help_text="Only checked at check-in (stage treat): a session may be booked before consent is signed.",
)
def detect_no_consent(ctx: Context) -> str | None:
    if ctx.stage != "treat" or ctx.consent is True:
        return None
    state = "not recorded" if ctx.consent is None else "recorded as not given"
    return f"Check-in on {iso[ctx.on_date]}: informed consent for cryotherapy is {state}."


@rule(
    "ABS-12",
    BLOCK,
    "Active skin disease at the site",
    condition="site finding `active_skin_disease`",
    sources="seed",
    needs=("site_findings",),
)
def detect_active_skin_disease(ctx: Context) -> str | None:
    if _ACTIVE_SKIN_DISEASE not in ctx.site_findings:
        return None
    return f"Treatment site ({ctx.body_site}) has active skin disease on the latest examination."


_COMPLETED = SessionStatus.COMPLETED.value
_RECOVERY_EVENTS = frozenset(
    code.value
    for code in (AdverseEvent.DERMATITIS, AdverseEvent.FROSTBITE, AdverseEvent.INFECTION, AdverseEvent.ULCERATION)
)


@rule(
    "ADV-01",
    BLOCK,
    "Unresolved adverse event after a session",
    condition="any completed session on or before `on_date` has an unresolved adverse event `dermatitis`, "
    "`frostbite`, `infection` or `ulceration` (no cryotherapy until the skin has recovered; v1.1: not only the "
    "last session)",
    sources="seed",
    help_text="Every completed session dated on or before on_date is read, one earlier on on_date itself "
    'included; cancelled and no-show entries and sessions after on_date are not (RULES.md: "any completed '
    'session on or before on_date"). An adverse event given without `resolved` counts as unresolved.',
    needs=("adverse_events",),
)
def detect_unresolved_adverse_event(ctx: Context) -> str | None:
    if not ctx.adverse_events:
        return None
    unresolved: dict[date, set[str]] = {}
    for event in ctx.adverse_events:
        if (
            not event.resolved
            and event.code in _RECOVERY_EVENTS
            and event.session_status == _COMPLETED
            and event.session_date <= ctx.on_date
        ):
            unresolved.setdefault(event.session_date, set()).add(event.code)
    if not unresolved:
        return None
    sessions = "; ".join(
        f"{', '.join(sorted(unresolved[day]))} after the completed session of {iso[day]}" for day in sorted(unresolved)
    )
    return f"Unresolved {sessions}: no cryotherapy until the skin has recovered."


# --- Overrides (relative contraindications and stops) -----------------------------------------

condition_rule("REL-01", OVERRIDE, Condition.MULTIPLE_MYELOMA, sources="S30, S31")
condition_rule("REL-02", OVERRIDE, Condition.IMMUNODEFICIENCY, sources="S30, S31")
condition_rule("REL-03", OVERRIDE, Condition.PYODERMA_GANGRENOSUM, sources="S31")
condition_rule("REL-04", OVERRIDE, Condition.AUTOIMMUNE_CONNECTIVE_TISSUE_DISEASE, sources="S28, S43")


@rule(
    "REL-05",
    OVERRIDE,
    "Immunosuppressant medication",
    condition="current medication `immunosuppressant`",
    sources="S31, S43",
    needs=("medications",),
)
def detect_immunosuppressant(ctx: Context) -> str | None:
    if _IMMUNOSUPPRESSANT not in ctx.current_medications:
        return None
    return f"Current medication: {_medication_status(ctx, _IMMUNOSUPPRESSANT)}."


@rule(
    "REL-06",
    OVERRIDE,
    "Bleeding risk with intralesional cryotherapy",
    condition="technique `intralesional` and (current `anticoagulant` or `antiplatelet`, or condition "
    "`bleeding_disorder`)",
    sources="S31, S35, S44",
    needs=("conditions", "medications"),
)
def detect_intralesional_bleeding_risk(ctx: Context) -> str | None:
    if ctx.technique != "intralesional":
        return None
    risks = _bleeding_risks(ctx)
    if not risks:
        return None
    return f"Intralesional technique with {'; '.join(risks)}."


_CIRCULATION_CONDITIONS = (Condition.DIABETES.value, Condition.PERIPHERAL_VASCULAR_DISEASE.value)


@rule(
    "REL-07",
    OVERRIDE,
    "Below-knee site with diabetes or vascular disease",
    condition="site below the knee and condition `diabetes` or `peripheral_vascular_disease`",
    sources="S32, S34, S39",
    needs=("conditions",),
    sites=BELOW_KNEE_SITES,
)
def detect_below_knee_with_poor_circulation(ctx: Context) -> str | None:
    if ctx.body_site not in BELOW_KNEE_SITES:
        return None
    present = [CONDITION_LABELS[code].lower() for code in _CIRCULATION_CONDITIONS if code in ctx.conditions]
    if not present:
        return None
    return f"Site {_site(ctx.body_site)} is below the knee; {' and '.join(present)} on record."


@rule(
    "REL-08",
    OVERRIDE,
    "Pregnancy",
    condition="`patient.pregnant` is true (individual medical assessment)",
    sources="seed",
    needs=("pregnant",),
)
def detect_pregnant(ctx: Context) -> str | None:
    if ctx.pregnant is not True:
        return None
    return "Patient recorded as pregnant: cryotherapy only after an individual medical assessment."


@rule(
    "REL-09",
    OVERRIDE,
    "Patient under 18",
    condition="age under 18 (guardian consent)",
    sources="S32",
    help_text="Age is in whole years on on_date; someone born on 29 February turns a year older on 1 March "
    "in common years.",
)
def detect_minor(ctx: Context) -> str | None:
    if ctx.age >= 18:
        return None
    return (
        f"Patient is {ctx.age} on {iso[ctx.on_date]} (born {iso[ctx.birth_date]}): a parent or guardian must consent."
    )


@rule(
    "REL-11",
    OVERRIDE,
    "Delicate site",
    condition="delicate site (`periorbital`, `nasal_ala`, `lip_vermilion`, `finger`)",
    sources="S32, S34",
    sites=DELICATE_SITES,
)
def detect_delicate_site(ctx: Context) -> str | None:
    if ctx.body_site not in DELICATE_SITES:
        return None
    return f"Treatment site {_site(ctx.body_site)} is a delicate site."


@rule(
    "REL-12",
    OVERRIDE,
    "Interval shorter than {min_interval_days} days",
    condition="`on_date` is fewer than {min_interval_days} days after the last session",
    sources="seed, S7, S11",
    help_text="The last session is the latest completed session dated on or before on_date (RULES.md v1.1 §5): "
    "a second freeze on the same day is 0 days after the first, so this fires. Cancelled and no-show entries "
    "and sessions after on_date are ignored.",
)
def detect_interval_too_short(ctx: Context) -> str | None:
    last = ctx.last_session_date
    if last is None:
        return None
    days = (ctx.on_date - last).days
    if days >= ctx.min_interval_days:
        return None
    return f"Last completed session {iso[last]} ({_plural(days, 'day')} before {iso[ctx.on_date]})."


def goal_reached(vss: dict) -> bool:
    """STP-01's condition on one VSS: height 0 and pliability ≤ 1 (also read by the outcome reports)."""
    return vss["height"] == 0 and vss["pliability"] <= 1


@rule(
    "REL-13",
    OVERRIDE,
    "No response to treatment",
    condition="non-response: 6 or more completed sessions and STP-01 not met; or 3 or more completed sessions "
    "and the latest VSS total is less than 2 points below the baseline VSS total",
    sources="S7, S14",
    help_text="Completed sessions are the history entries with status completed dated on or before on_date, "
    'the entries the last session is taken from (RULES.md v1.1 §5: "the latest `completed` history entry on or '
    'before `on_date`"; §2: "only `completed` count"), so a freeze earlier on on_date counts. Assessments '
    "without VSS are skipped; if "
    "none has a VSS the rule does not fire. When only one assessment has a VSS it is both baseline and latest "
    "(no measured improvement), so the rule fires after 3 sessions: reassess before going on.",
)
def detect_non_response(ctx: Context) -> str | None:
    sessions = ctx.completed_sessions
    if ctx.vss_latest is None or sessions < 3:
        return None
    (latest_date, latest), (baseline_date, baseline) = ctx.vss_latest, ctx.vss_baseline
    reasons = []
    if sessions >= 6 and not goal_reached(latest):
        reasons.append(
            f"{sessions} completed sessions and the goal is not reached "
            f"(latest VSS {iso[latest_date]}: height {latest['height']}, pliability {latest['pliability']})"
        )
    latest_total, baseline_total = vss_total(latest), vss_total(baseline)
    improvement = baseline_total - latest_total
    if improvement < 2:
        if improvement > 0:
            change = f"only {_plural(improvement, 'point')} lower"
        elif improvement == 0:
            change = "unchanged"
        else:
            change = f"{_plural(-improvement, 'point')} higher"
        reasons.append(
            f"{sessions} completed sessions and the VSS total went from {baseline_total} "
            f"(baseline {iso[baseline_date]}) to {latest_total} (latest {iso[latest_date]}): "
            f"{change}, where at least 2 points lower is expected"
        )
    if not reasons:
        return None
    return "; ".join(reasons) + "."


@rule(
    "STP-01",
    OVERRIDE,
    "Treatment goal reached",
    condition="goal reached: the latest assessment's VSS height is 0 and pliability ≤ 1 (offer follow-up, not "
    "another freeze)",
    sources="S7, DESIGN",
    help_text="The latest assessment is the latest one with a VSS dated on or before on_date.",
)
def detect_goal_reached(ctx: Context) -> str | None:
    if ctx.vss_latest is None:
        return None
    latest_date, latest = ctx.vss_latest
    if not goal_reached(latest):
        return None
    return (
        f"Latest VSS ({iso[latest_date]}): height 0, pliability {latest['pliability']}. "
        "Offer follow-up rather than another freeze."
    )


# --- Warnings ---------------------------------------------------------------------------------


@rule(
    "WRN-01",
    WARN,
    "Risk of lasting hypopigmentation",
    condition="Fitzpatrick 4–6: risk of lasting hypopigmentation (printed on consent and aftercare)",
    sources="S2, S3, S29",
    help_text="An unrecorded Fitzpatrick type (null) does not warn; record it so the warning can be printed.",
    printable=True,
)
def detect_dark_skin_type(ctx: Context) -> str | None:
    if ctx.fitzpatrick is None or ctx.fitzpatrick < 4:
        return None
    return f"Fitzpatrick skin type {ctx.fitzpatrick}: frozen skin may stay lighter for good."


@rule(
    "WRN-02",
    WARN,
    "Risk of hair loss",
    condition="hair-bearing site: risk of hair loss",
    sources="S29, S30",
    help_text="Printed on the aftercare sheet so the patient knows hair may not grow back.",
    printable=True,
    sites=HAIR_BEARING_SITES,
)
def detect_hair_bearing_site(ctx: Context) -> str | None:
    if ctx.body_site not in HAIR_BEARING_SITES:
        return None
    return f"Treatment site {_site(ctx.body_site)} is hair-bearing: hair may not grow back."


@rule(
    "WRN-03",
    WARN,
    "Headache after freezing",
    condition="forehead/temple: headache after freezing",
    sources="S14",
    printable=True,
    sites=FOREHEAD_TEMPLE_SITES,
)
def detect_forehead_temple(ctx: Context) -> str | None:
    if ctx.body_site not in FOREHEAD_TEMPLE_SITES:
        return None
    return f"Treatment site {_site(ctx.body_site)}: freezing here can cause a headache."


@rule(
    "WRN-04",
    WARN,
    "Recent isotretinoin",
    condition="`isotretinoin` current or stopped within the 365 days before `on_date`",
    sources="S47, S48",
    help_text="Stopped exactly 365 days before on_date still warns; 366 days does not.",
    needs=("medications",),
)
def detect_recent_isotretinoin(ctx: Context) -> str | None:
    if not ctx.medications:
        return None
    code = _ISOTRETINOIN
    if code in ctx.current_medications:
        return f"Current medication: {_medication_status(ctx, code)}."
    cutoff = ctx.on_date - ISOTRETINOIN_WASHOUT
    stops = [m.stopped for m in ctx.medications if m.code == code and m.stopped >= cutoff]
    if not stops:
        return None
    stopped = max(stops)
    days = (ctx.on_date - stopped).days
    return f"Isotretinoin stopped {iso[stopped]} ({_plural(days, 'day')} before {iso[ctx.on_date]})."


@rule(
    "WRN-05",
    WARN,
    "Risk of blood-filled blisters",
    condition="technique `spray` or `contact` and current `anticoagulant`/`antiplatelet` or condition "
    "`bleeding_disorder` (blood-filled blisters)",
    sources="S31, S44",
    printable=True,
    needs=("conditions", "medications"),
)
def detect_surface_bleeding_risk(ctx: Context) -> str | None:
    if ctx.technique == "intralesional":
        return None
    risks = _bleeding_risks(ctx)
    if not risks:
        return None
    return f"{ctx.technique.capitalize()} technique with {'; '.join(risks)}: blisters may fill with blood."


@rule(
    "WRN-06",
    WARN,
    "Overdue: more than {max_interval_days} days since the last session",
    condition="`on_date` is more than {max_interval_days} days after the last session (overdue: repeat the "
    "assessment before treating)",
    sources="seed",
    help_text="The last session is the latest completed session dated on or before on_date (RULES.md v1.1 §5), "
    "as for REL-12: after a freeze earlier the same day it is 0 days, never overdue.",
)
def detect_overdue(ctx: Context) -> str | None:
    last = ctx.last_session_date
    if last is None:
        return None
    days = (ctx.on_date - last).days
    if days <= ctx.max_interval_days:
        return None
    return (
        f"Last completed session {iso[last]} ({_plural(days, 'day')} before {iso[ctx.on_date]}): "
        "repeat the assessment before treating."
    )


@rule(
    "WRN-07",
    WARN,
    "Immature hypertrophic scar",
    condition="morphology `hypertrophic` and the scar is younger than 6 months on `on_date` (still maturing; "
    "silicone first)",
    sources="S11, S26",
    help_text="Six calendar months from scar.onset_date (31 August + 6 months = end of February); the scar "
    "is 6 months old on that day. When onset_date is unknown (null) the rule cannot tell and does not fire.",
)
def detect_immature_hypertrophic_scar(ctx: Context) -> str | None:
    if ctx.morphology != "hypertrophic" or ctx.onset_date is None:
        return None
    days = (ctx.on_date - ctx.onset_date).days
    if days > 184:  # six calendar months never span more than 184 days: skip the calendar arithmetic
        return None
    matures = add_months(ctx.onset_date, 6)
    if ctx.on_date >= matures:
        return None
    return (
        f"Scar formed {iso[ctx.onset_date]} ({_plural(days, 'day')} before {iso[ctx.on_date]}); "
        f"it is 6 months old only on {iso[matures]}: consider silicone first."
    )


@rule(
    "WRN-08",
    WARN,
    "Bulky scar",
    condition="technique `spray` or `contact` and `height_mm` > 5 (bulky: consider intralesional)",
    sources="S14, S18",
    help_text="A scar height that is not recorded (null) does not warn.",
)
def detect_bulky_scar(ctx: Context) -> str | None:
    if ctx.technique == "intralesional" or ctx.height_mm is None or ctx.height_mm <= 5:
        return None
    return f"Scar height {ctx.height_mm:g} mm (over 5 mm) with {ctx.technique} technique: consider intralesional."


@rule(
    "WRN-09",
    WARN,
    "Slow healing below the knee",
    condition="site below the knee and neither `diabetes` nor `peripheral_vascular_disease` (slow healing)",
    sources="S39, S40",
    printable=True,
    sites=BELOW_KNEE_SITES,
)
def detect_below_knee(ctx: Context) -> str | None:
    if ctx.body_site not in BELOW_KNEE_SITES:
        return None
    if any(code in ctx.conditions for code in _CIRCULATION_CONDITIONS):
        return None
    return f"Treatment site {_site(ctx.body_site)} is below the knee: healing is slower there."


@rule(
    "WRN-10",
    WARN,
    "Pregnancy status unknown",
    condition="sex `female`, age 12–50 and `pregnant` is null (pregnancy status unknown)",
    sources="seed",
    help_text="Ages 12 and 50 are both included (whole years on on_date). Only sex `female` is read: "
    "`other` and `unknown` do not warn.",
)
def detect_pregnancy_unknown(ctx: Context) -> str | None:
    if ctx.sex != "female" or ctx.pregnant is not None or not 12 <= ctx.age <= 50:
        return None
    return f"Female patient aged {ctx.age} on {iso[ctx.on_date]}: pregnancy status not recorded."


RULES: tuple[Rule, ...] = tuple(sorted(_DECLARED, key=lambda r: (SEVERITY_RANK[r.severity], r.code)))
RULES_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}
