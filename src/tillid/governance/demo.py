"""Demo data for the governance register, built after the organisation and the logins.

A realistic register for a Danish municipality: documentation in home care and
care homes, minute-based visit planning, medication handling, inspections,
KPIs, management information, rosters, key systems, school documentation and
jobcenter rules from state law; with activities (Standard Cost Model),
assessments, reviews in every state and decision, and red-tape reports in
every status. Deterministic for a seed (dates count back from today).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tillid.governance import selectors, services
from tillid.governance.models import (
    Assessment,
    BalanceBaseline,
    EscalationAnswer,
    EstimateBasis,
    Item,
    Kind,
    Layer,
    RedTapeReport,
    ReportStatus,
    Review,
    ReviewStatus,
    RoleGroup,
)
from tillid.organisation import services as org_services
from tillid.organisation.kle import SHIPPED_FILE, parse_kle
from tillid.organisation.models import KLENumber, Person, Unit, UnitKind

D = Decimal


@dataclass
class Template:
    key: str
    title: str
    kind: str
    layer: str
    target: str  # which units: see _targets()
    years_ago: float
    activities: list[tuple[str, float, float, str]] = field(default_factory=list)
    description: str = ""
    legal_basis: str = ""
    mandated: bool = False
    hard: bool = True
    formal: bool = True
    owner: str = ""
    risks: str = ""
    values: tuple[str, ...] = ()
    controls: str = ""
    meaning: float = 3.0  # typical answer, 1–5
    measured: bool = False


E, L, A, P = (
    RoleGroup.EMPLOYEES,
    RoleGroup.PROFESSIONAL_LEADERS,
    RoleGroup.ADMINISTRATION,
    RoleGroup.POLITICIANS,
)

TEMPLATES = [
    Template(
        "doc_services",
        "Dokumentation af hver enkelt ydelse i hjemmeplejen",
        Kind.DOCUMENTATION,
        Layer.ADMINISTRATION,
        "elder",
        9,
        [
            ("Registrere leverede ydelser i omsorgssystemet", 1.5, 1400, E),
            ("Skrive besøgsnotat", 3, 400, E),
        ],
        description="Hver ydelse (bad, påklædning, medicin) registreres for sig efter besøget.",
        owner="Ældreområdet",
        risks="Manglende dokumentation ved klager og tilsyn.",
        values=("legal_certainty", "economy"),
        meaning=1.8,
        measured=True,
    ),
    Template(
        "minute_planning",
        "Minutstyret besøgsplanlægning",
        Kind.PROCEDURE,
        Layer.ADMINISTRATION,
        "elder",
        12,
        [
            ("Planlægge ruter efter tildelte minutter", 4, 230, L),
            ("Registrere afvigelser fra tildelt tid", 1, 900, E),
        ],
        description="Besøg planlægges i minutter pr. ydelse ud fra visitationen.",
        owner="Visitation og Hjælpemidler",
        values=("equal_treatment", "economy"),
        meaning=1.6,
    ),
    Template(
        "medication",
        "Medicinhåndtering med dobbeltkontrol",
        Kind.PROCEDURE,
        Layer.STATE,
        "elder",
        15,
        [("Dosere og kontrollere medicin", 4, 300, E), ("Kvittere for udlevering", 0.5, 700, E)],
        legal_basis="Sundhedsloven og Styrelsen for Patientsikkerheds vejledning",
        mandated=True,
        owner="Sundhedsstyrelsen",
        risks="Forkert medicin til borgeren.",
        values=("safety", "professional_quality"),
        meaning=4.3,
    ),
    Template(
        "med_count",
        "Ugentlig optælling af medicinbeholdning",
        Kind.PROCEDURE,
        Layer.INSTITUTION,
        "care_homes",
        6,
        [("Tælle op og notere beholdning", 20, 52, E)],
        risks="Svind.",
        values=("safety",),
        meaning=3.0,
        hard=False,
    ),
    Template(
        "med_count_dup",
        "Ugentlig medicinoptælling",
        Kind.PROCEDURE,
        Layer.SELF_IMPOSED,
        "leader_home",
        3,
        [("Tælle medicin i skabene", 15, 52, E)],
        formal=False,
        hard=False,
        meaning=2.2,
    ),
    Template(
        "inspection",
        "Kommunalt tilsyn på plejecentre",
        Kind.INSPECTION,
        Layer.STATE,
        "care_homes",
        10,
        [("Forberede tilsynsbesøg", 240, 1, L), ("Deltage i tilsynsbesøg", 60, 1, E)],
        legal_basis="Serviceloven § 151",
        mandated=True,
        owner="Social og Sundhed",
        values=("legal_certainty", "professional_quality"),
        meaning=3.4,
    ),
    Template(
        "spot_checks",
        "Stikprøvekontrol af dokumentationen",
        Kind.INSPECTION,
        Layer.ADMINISTRATION,
        "elder",
        5,
        [("Udtrække og gennemgå stikprøver", 30, 12, L)],
        controls="doc_services",
        values=("legal_certainty",),
        meaning=2.0,
    ),
    Template(
        "spot_check_followup",
        "Ledelsesopfølgning på stikprøvekontrollen",
        Kind.FINANCIAL,
        Layer.ADMINISTRATION,
        "elder",
        3,
        [("Rapportere resultat af stikprøver", 45, 4, L)],
        controls="spot_checks",
        meaning=1.7,
    ),
    Template(
        "kpi_visits",
        "Måltal for leveret tid hos borgeren",
        Kind.KPI,
        Layer.COUNCIL,
        "elder",
        7,
        [("Indberette leveret tid", 10, 12, L)],
        owner="Social- og Sundhedsudvalget",
        values=("efficiency", "economy"),
        meaning=2.1,
    ),
    Template(
        "mgmt_info",
        "Månedlig ledelsesinformation til forvaltningen",
        Kind.FINANCIAL,
        Layer.ADMINISTRATION,
        "social",
        6,
        [("Samle tal og kommentere afvigelser", 90, 12, L)],
        owner="Social og Sundhed",
        values=("economy",),
        meaning=2.4,
    ),
    Template(
        "roster",
        "Vagtplan lagt fire uger frem",
        Kind.LOCAL_SYSTEM,
        Layer.INSTITUTION,
        "care_homes",
        8,
        [("Lægge og justere vagtplan", 6, 52, L), ("Bytte vagter via systemet", 5, 20, E)],
        values=("work_environment",),
        meaning=3.6,
        hard=False,
    ),
    Template(
        "keys",
        "Nøglesystem med kvittering",
        Kind.LOCAL_SYSTEM,
        Layer.SELF_IMPOSED,
        "leader_home",
        4,
        [("Kvittere for udlevering og aflevering af nøgler", 1, 250, E)],
        formal=False,
        risks="Nøgler til borgernes hjem bortkommer.",
        values=("safety",),
        meaning=2.9,
    ),
    Template(
        "fall_registration",
        "Faldregistrering på skema",
        Kind.DOCUMENTATION,
        Layer.INSTITUTION,
        "care_homes",
        5,
        [("Udfylde faldskema", 12, 15, E)],
        values=("safety", "professional_quality"),
        meaning=3.2,
    ),
    Template(
        "values",
        "Værdigrundlag for ældreplejen",
        Kind.VALUE,
        Layer.COUNCIL,
        "elder",
        11,
        [("Drøfte værdigrundlaget på personalemøde", 30, 2, E)],
        hard=False,
        owner="Byrådet",
        values=("professional_quality",),
        meaning=4.0,
    ),
    Template(
        "strategy",
        "Sundhedspolitik 2024–2028",
        Kind.STRATEGY,
        Layer.COUNCIL,
        "root",
        2,
        [("Læse og omsætte politikken lokalt", 60, 1, L)],
        hard=False,
        owner="Byrådet",
        meaning=3.1,
    ),
    Template(
        "quality_standards",
        "Kvalitetsstandarder for personlig pleje",
        Kind.LAW,
        Layer.STATE,
        "elder",
        14,
        [("Slå op i kvalitetsstandarden ved tvivl", 5, 10, E)],
        legal_basis="Serviceloven §§ 83 og 139",
        mandated=True,
        values=("equal_treatment", "legal_certainty"),
        meaning=3.5,
    ),
    Template(
        "fse",
        "FSIII-funktionsvurdering ved hvert revisitationsbesøg",
        Kind.PROFESSIONAL_TOOL,
        Layer.STATE,
        "elder",
        8,
        [("Udfylde funktionsvurdering", 25, 6, E)],
        legal_basis="Fællessprog III",
        mandated=False,
        values=("equal_treatment", "professional_quality"),
        meaning=2.6,
    ),
    Template(
        "school_plans",
        "Elevplaner i alle fag",
        Kind.DOCUMENTATION,
        Layer.STATE,
        "schools",
        10,
        [("Skrive elevplan", 20, 25, E)],
        legal_basis="Folkeskoleloven § 13 b",
        mandated=True,
        values=("professional_quality", "legal_certainty"),
        meaning=2.3,
    ),
    Template(
        "school_absence",
        "Fraværsregistrering hver lektion",
        Kind.DOCUMENTATION,
        Layer.COUNCIL,
        "schools",
        6,
        [("Registrere fravær", 1, 900, E)],
        values=("legal_certainty",),
        meaning=2.7,
    ),
    Template(
        "school_tests",
        "Nationale test og opfølgning",
        Kind.LAW,
        Layer.STATE,
        "schools",
        12,
        [("Afvikle og følge op på test", 45, 4, E)],
        legal_basis="Folkeskoleloven",
        mandated=True,
        values=("professional_quality", "equal_treatment"),
        meaning=2.4,
    ),
    Template(
        "school_meeting_notes",
        "Referat af alle teammøder",
        Kind.DOCUMENTATION,
        Layer.SELF_IMPOSED,
        "schools",
        2,
        [("Skrive og godkende referat", 20, 40, E)],
        formal=False,
        hard=False,
        meaning=2.0,
    ),
    Template(
        "daycare_docs",
        "Dokumentation af læreplanstemaer",
        Kind.DOCUMENTATION,
        Layer.STATE,
        "daycare",
        6,
        [("Dokumentere aktiviteter mod læreplanen", 10, 80, E)],
        legal_basis="Dagtilbudsloven § 8",
        mandated=True,
        values=("professional_quality",),
        meaning=2.5,
    ),
    Template(
        "job_interviews",
        "Kontaktforløb med faste samtaler",
        Kind.LAW,
        Layer.STATE,
        "jobcenter",
        10,
        [("Holde og journalisere samtale", 45, 40, E), ("Registrere i fagsystemet", 10, 40, E)],
        legal_basis="Lov om en aktiv beskæftigelsesindsats",
        mandated=True,
        values=("legal_certainty", "equal_treatment"),
        meaning=2.2,
    ),
    Template(
        "job_kpi",
        "Måltal for antal afholdte samtaler",
        Kind.KPI,
        Layer.ADMINISTRATION,
        "jobcenter",
        4,
        [("Indberette samtaletal", 15, 12, L)],
        values=("efficiency",),
        meaning=1.5,
    ),
    Template(
        "job_double_check",
        "Ledergodkendelse af alle bevillinger",
        Kind.FINANCIAL,
        Layer.ADMINISTRATION,
        "jobcenter",
        5,
        [("Godkende bevilling", 8, 60, L), ("Sende bevilling til godkendelse", 3, 60, E)],
        values=("economy", "legal_certainty"),
        meaning=1.9,
    ),
    Template(
        "travel_expenses",
        "Kørselsregnskab på papir",
        Kind.FINANCIAL,
        Layer.ADMINISTRATION,
        "root",
        9,
        [("Udfylde og aflevere kørselsskema", 15, 12, E)],
        values=("economy",),
        meaning=1.8,
    ),
    Template(
        "apv",
        "Årlig trivselsmåling med handleplan",
        Kind.KPI,
        Layer.COUNCIL,
        "root",
        6,
        [("Besvare og drøfte målingen", 45, 1, E)],
        values=("work_environment",),
        meaning=3.7,
        hard=False,
    ),
    Template(
        "procurement",
        "Indkøb kun via indkøbsportalen",
        Kind.PROCEDURE,
        Layer.ADMINISTRATION,
        "root",
        7,
        [("Bestille via portalen", 10, 10, E)],
        values=("economy", "efficiency"),
        meaning=2.8,
    ),
    Template(
        "new_kpi",
        "Ny kvartalsvis KPI for rehabilitering",
        Kind.KPI,
        Layer.ADMINISTRATION,
        "elder",
        0.4,
        [("Registrere rehabiliteringsforløb", 5, 24, E)],
        values=("professional_quality",),
        meaning=2.5,
    ),
    Template(
        "new_doc",
        "Dokumentation af ernæringsscreening",
        Kind.DOCUMENTATION,
        Layer.INSTITUTION,
        "leader_home",
        0.3,
        [("Udfylde screeningsskema", 8, 12, E)],
        values=("professional_quality", "safety"),
        meaning=3.3,
    ),
]

# Reviews: template key → (final state, decision, rationale, new estimate, involved groups)
REVIEWS = [
    (
        "doc_services",
        "decided",
        "anchor",
        "Kun afvigelser fra planen dokumenteres; resten følger af planen.",
        ("Dokumentere afvigelser fra planen", 3, 120),
        "all",
    ),
    (
        "minute_planning",
        "decided",
        "change",
        "Tre formålsbestemte besøgsblokke afløser de mange enkeltydelser.",
        ("Planlægge besøgsblokke", 4, 60),
        "all",
    ),
    (
        "medication",
        "decided",
        "keep",
        "Dobbeltkontrollen giver tryghed for både borgere og medarbejdere.",
        None,
        "all",
    ),
    (
        "spot_check_followup",
        "decided",
        "remove",
        "Kontrollen af kontrollen gav ingen ny viden.",
        None,
        "all",
    ),
    (
        "job_interviews",
        "escalated",
        "remove",
        "Samtalekravene bør lempes; kun Folketinget kan ændre dem.",
        None,
        "all",
    ),
    ("job_kpi", "deciding", "", "", None, "no_politicians"),
    ("keys", "designing", "", "", None, "late"),
    ("school_meeting_notes", "exploring", "", "", None, "few"),
]

REPORTS = [
    (
        "doc_services",
        "Jeg skriver det samme tre steder",
        60,
        ReportStatus.RESOLVED,
        "Dokumentationen er forankret som afvigelsesdokumentation fra næste måned.",
        False,
    ),
    ("keys", "Kvittering for hver nøgle hver gang", 20, ReportStatus.EXAMINING, "", True),
    (
        "job_kpi",
        "Måltallet tæller samtaler, ikke om folk kommer i job",
        30,
        ReportStatus.RECOMMENDED,
        "Meningssamlingen har indstillet til direktionen, at måltallet afskaffes.",
        False,
    ),
    ("med_count_dup", "Vi tæller medicin to gange om ugen", 25, ReportStatus.NEW, "", True),
    (
        "medication",
        "Dobbeltkontrol tager for lang tid om aftenen",
        15,
        ReportStatus.REJECTED,
        "Dobbeltkontrollen er et lovkrav og beskytter borgerne; vi ser på aftenbemandingen i stedet.",
        False,
    ),
    (None, "Tre forskellige skemaer til samme kursusansøgning", 10, ReportStatus.NEW, "", False),
]


def _named(kind: str, name: str, within: Unit | None = None) -> Unit | None:
    qs = Unit.objects.filter(is_active=True, kind=kind, name__iexact=name)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return qs.order_by("path").first()


def _targets(leader_home: Unit | None) -> dict[str, list[Unit]]:
    root = Unit.objects.filter(is_active=True, parent__isnull=True).order_by("path").first()
    social = _named(UnitKind.ADMINISTRATION, "Social og Sundhed") or root
    elder = _named(UnitKind.AREA, "Ældreområdet", social) or social
    care_homes = list(
        Unit.objects.filter(
            is_active=True,
            kind=UnitKind.INSTITUTION,
            name__istartswith="Plejecenter",
            path__startswith=elder.path,
        ).order_by("path")
    ) or [elder]
    children = _named(UnitKind.ADMINISTRATION, "Børn og Unge") or root
    schools = _named(UnitKind.AREA, "Skoleområdet", children) or children
    daycare = _named(UnitKind.AREA, "Dagtilbud", children) or children
    jobs = (
        _named(UnitKind.AREA, "Jobcenter")
        or _named(UnitKind.ADMINISTRATION, "Beskæftigelse")
        or root
    )
    return {
        "root": [root],
        "social": [social],
        "elder": [elder],
        "care_homes": care_homes,
        "leader_home": [leader_home or care_homes[0]],
        "schools": [schools],
        "daycare": [daycare],
        "jobcenter": [jobs],
    }


# The task area (KLE number, from the shipped list) of each demo item, and the
# task areas the demo's units are tagged with (OS2mo would bring these).
ITEM_KLE = {
    "doc_services": "27.36.00",
    "minute_planning": "27.36.00",
    "medication": "29.09.04",
    "med_count": "29.09.04",
    "med_count_dup": "29.09.04",
    "inspection": "27.45.08",
    "spot_checks": "27.36.00",
    "spot_check_followup": "27.36.00",
    "kpi_visits": "27.36.00",
    "mgmt_info": "27.00.00",
    "roster": "81.20.08",
    "keys": "27.36.08",
    "fall_registration": "29.09.08",
    "values": "27.00.00",
    "strategy": "29.00.00",
    "quality_standards": "27.36.04",
    "fse": "27.36.12",
    "school_plans": "17.01.04",
    "school_absence": "17.01.08",
    "school_tests": "17.01.12",
    "school_meeting_notes": "17.01.00",
    "daycare_docs": "28.01.04",
    "job_interviews": "15.17.04",
    "job_kpi": "15.17.04",
    "job_double_check": "15.17.00",
    "travel_expenses": "81.20.04",
    "apv": "81.10.04",
    "procurement": "00.05.10",
    "new_kpi": "29.09.08",
    "new_doc": "27.36.04",
}
UNIT_KLE = {
    "root": ["00", "81"],
    "elder": ["27.36", "27.45", "29.09"],
    "schools": ["17.01"],
    "daycare": ["28"],
    "jobcenter": ["15.17", "32.24"],
}


def _task_areas(targets: dict[str, list[Unit]]) -> dict[str, int]:
    """Load the shipped KLE list if there is none, tag the demo units; number → id."""
    if not KLENumber.objects.exists():
        org_services.update_kle(plan=parse_kle(SHIPPED_FILE.read_bytes()))
    ids = dict(KLENumber.objects.values_list("number", "pk"))
    for target, numbers in UNIT_KLE.items():
        for unit in targets[target]:
            unit.kle_numbers.add(*[ids[n] for n in numbers if n in ids])
    return ids


def _user(username: str):
    return get_user_model().objects.filter(username=username).first()


@transaction.atomic
def build_demo(*, seed: int, log) -> None:
    rng = random.Random(seed)
    today = timezone.localdate()
    consultant = _user("konsulent") or _user("admin")
    leader = _user("leder")
    employee = _user("medarbejder")
    leader_person = (
        Person.objects.filter(user=leader).select_related("unit").first() if leader else None
    )
    targets = _targets(leader_person.unit if leader_person else None)
    baseline = date(today.year, 1, 1) if today.month > 3 else date(today.year - 1, 1, 1)
    BalanceBaseline.objects.create(baseline_on=baseline, set_by=consultant)

    log(_("Registering governance items …"))
    kle_ids = _task_areas(targets)
    items: dict[str, Item] = {}
    for number, t in enumerate(TEMPLATES, start=1):
        introduced = today - timedelta(days=int(t.years_ago * 365) + rng.randint(0, 40))
        if introduced >= baseline and t.years_ago >= 1:
            introduced = baseline - timedelta(days=30)
        is_new_doc = t.kind == Kind.DOCUMENTATION and introduced >= baseline
        item = services.create_item(
            data=services.ItemInput(
                reference=f"STY-{number:05d}",
                title=t.title,
                kind=t.kind,
                layer=t.layer,
                introduced_on=introduced,
                units=targets[t.target],
                description=t.description,
                is_hard=t.hard,
                is_formal=t.formal,
                legal_basis=t.legal_basis,
                mandated_by_law=t.mandated,
                owner=t.owner,
                risks=t.risks,
                values=list(t.values),
                controls=items.get(t.controls),
                basis=EstimateBasis.MEASURED if t.measured else EstimateBasis.ESTIMATE,
                kle_id=kle_ids.get(ITEM_KLE.get(t.key, "")),
                no_compensation_reason=(
                    "Krævet efter et tilsyn; kompenseres ved gennemgangen af dokumentationen."
                    if is_new_doc
                    else ""
                ),
            ),
            user=consultant,
        )
        for name, minutes, times, who in t.activities:
            services.add_activity(
                item=item,
                name=name,
                minutes_per_occurrence=D(str(minutes)),
                occurrences_per_year=D(str(times)),
                performed_by=who,
                basis=EstimateBasis.MEASURED if t.measured else EstimateBasis.ESTIMATE,
            )
        items[t.key] = item
    log(_("%(count)s items registered.") % {"count": len(items)})

    log(_("Employees assess the items …"))
    people = list(
        Person.objects.filter(is_active=True, unit__is_active=True)
        .order_by("pk")
        .values_list("pk", "unit__path")
    )
    assessments = []
    for t in TEMPLATES:
        item = items[t.key]
        paths = [u.path for u in targets[t.target]]
        bound = [pk for pk, path in people if any(path.startswith(p) for p in paths)]
        if not bound:
            continue
        chosen = rng.sample(bound, min(len(bound), rng.randint(6, 14)))
        for person_pk in chosen:

            def score(centre: float) -> int:
                return max(1, min(5, round(rng.gauss(centre, 0.8))))

            comment = rng.choice(COMMENTS[t.meaning >= 3]) if rng.random() < 0.4 else ""
            assessments.append(
                Assessment(
                    item=item,
                    respondent_key=selectors.respondent_key(item, Person(pk=person_pk)),
                    professional=score(t.meaning),
                    learning=score(t.meaning - 0.3),
                    involving=score(t.meaning - 0.5),
                    meaningful=score(t.meaning),
                    comment=comment,
                )
            )
    Assessment.objects.bulk_create(assessments, batch_size=1000)
    services.publish_meanings(items=list(items.values()))
    log(_("%(count)s assessments.") % {"count": len(assessments)})

    log(_("Co-created reviews …"))
    groups = list(RoleGroup.values)
    participant_names = {
        RoleGroup.POLITICIANS: "Formand for Social- og Sundhedsudvalget",
        RoleGroup.ADMINISTRATION: "Styringskonsulent",
        RoleGroup.PROFESSIONAL_LEADERS: "Leder af plejecenter",
        RoleGroup.EMPLOYEES: "Social- og sundhedsassistent",
        RoleGroup.MED_TR: "Tillidsrepræsentant",
    }
    employee_person = Person.objects.filter(user=employee).first() if employee else None
    for key, state, decision, rationale, estimate, involvement in REVIEWS:
        item = items[key]
        review = services.open_review(
            item=item,
            user=consultant,
            purpose="Giver styringen mening for dem, der arbejder med den, og står tiden mål med værdien?",
            stake_groups=groups,
        )
        early = {
            "all": groups,
            "no_politicians": [g for g in groups if g != RoleGroup.POLITICIANS],
            "late": [RoleGroup.ADMINISTRATION, RoleGroup.PROFESSIONAL_LEADERS],
            "few": [RoleGroup.ADMINISTRATION],
        }[involvement]
        for group in early:
            # The demo employee takes part in the first open review, as themselves.
            is_open = state in ("exploring", "designing", "deciding")
            person = employee_person if group == RoleGroup.EMPLOYEES and is_open else None
            services.add_participant(
                review=review,
                role_group=group,
                name="" if person else participant_names[group],
                person=person,
                user=consultant,
            )
            if person is not None:
                employee_person = None
        services.add_note(
            review=review,
            text="Medarbejderne fortæller, hvor meget tid styringen tager, og hvad den skal sikre.",
            role_group=RoleGroup.EMPLOYEES,
            user=consultant,
        )
        if state == "exploring":
            continue
        services.advance_review(review=review, user=consultant)
        if involvement == "late":
            services.add_participant(
                review=review,
                role_group=RoleGroup.EMPLOYEES,
                name=participant_names[RoleGroup.EMPLOYEES],
                user=consultant,
            )
        if state == "designing":
            continue
        services.advance_review(review=review, user=consultant)
        services.add_note(
            review=review, text="Forslaget afprøves i to teams, før der besluttes.", user=consultant
        )
        if state == "deciding":
            continue
        new_name, new_minutes, new_times = estimate or ("", None, None)
        decided_on = max(baseline, today - timedelta(days=rng.randint(5, 60)))
        services.decide_review(
            review=review,
            user=consultant,
            decision=decision,
            rationale=rationale,
            decided_on=decided_on,
            new_activity_name=new_name,
            new_minutes_per_occurrence=D(new_minutes) if new_minutes is not None else None,
            new_occurrences_per_year=D(new_times) if new_times is not None else None,
        )
        # Opened a while before it was decided, so its lead time is a real one.
        _backdate_review(review, decided_on - timedelta(days=rng.randint(30, 120)))

    log(_("Red-tape reports to the Meningssamling …"))
    employee_unit = None
    if employee is not None:
        person = Person.objects.filter(user=employee).select_related("unit").first()
        employee_unit = person.unit if person else None
    reporter_default = employee or leader or consultant
    for key, title, minutes, status, answer, anonymous in REPORTS:
        item = items.get(key) if key else None
        report, _code = services.report_red_tape(
            user=reporter_default,
            item=item,
            title=title,
            description=title + ". Det tager tid fra borgerne og giver ingen ny viden.",
            minutes_per_week=minutes,
            suggestion="Lad os se på, om det kan forenkles eller fjernes.",
            anonymous=anonymous,
        )
        if not anonymous and employee_unit is not None:
            report.unit = employee_unit
            report.save(update_fields=["unit"])
        if status != ReportStatus.NEW:
            review = item.reviews.order_by("pk").first() if item else None
            services.handle_report(report=report, status=status, answer=answer, review=review)
    log(_("%(count)s reports.") % {"count": len(REPORTS)})
    _history(rng=rng, today=today, items=items, consultant=consultant, log=log)


COMMENTS = {
    False: [
        "Tager tid fra borgerne uden at nogen læser det.",
        "Vi registrerer det samme flere steder.",
        "Formålet er aldrig blevet forklaret for os.",
        "Føles som kontrol af os frem for hjælp til borgeren.",
        "Giver ingen læring, det er bare afkrydsning.",
    ],
    True: [
        "Giver tryghed i arbejdet.",
        "Vi var med til at udforme det, og det kan mærkes.",
        "Hjælper nye kolleger til at gøre det rigtigt.",
        "Giver mening, når det bruges fagligt.",
    ],
}


# --- two years of history, for the overview's indicators and trends ----------------------

# Local governance an institution keeps for itself (the register's coverage grows).
LOCAL = [
    ("Lokal procedure for nøgleudlevering", Kind.PROCEDURE, Layer.INSTITUTION, 3, 200),
    ("Egen tjekliste ved vagtskifte", Kind.PROCEDURE, Layer.SELF_IMPOSED, 2, 400),
    ("Ugentlig registrering af rengøring", Kind.PROCEDURE, Layer.INSTITUTION, 10, 52),
    ("Intern godkendelse af småindkøb", Kind.FINANCIAL, Layer.INSTITUTION, 8, 24),
    ("Dobbelt kvittering for hjælpemidler", Kind.PROCEDURE, Layer.SELF_IMPOSED, 4, 60),
    ("Lokal skabelon til dagsnotat", Kind.PROFESSIONAL_TOOL, Layer.INSTITUTION, 5, 120),
]
# Council governance decided over two years: key, decision, months ago, new estimate.
COUNCIL_DECISIONS = [
    ("school_absence", "change", 20, ("Registrere fravær morgen og middag", 1, 360)),
    ("strategy", "anchor", 14, ("Drøfte politikken én gang om året", 30, 1)),
    ("values", "keep", 9, None),
    ("apv", "change", 4, ("Kort trivselsdialog i teamet", 20, 1)),
]
VERDICT_NOTES = {
    "worked": "Medarbejderne bekræfter, at tiden nu går til borgerne.",
    "partly": "Det meste er væk, men et skema lever stadig i to teams.",
    "did_not_work": "Registreringen er kommet tilbage ad bagvejen; vi ser på det igen.",
}
ANSWERS = [
    "Meningssamlingen har fjernet skemaet fra næste måned.",
    "Kravet kommer fra staten; vi har bedt om en dispensation.",
    "Vi har forenklet registreringen, så den kun sker ved afvigelser.",
    "Tak, vi tager det op på næste møde i Meningssamlingen.",
]
TITLES = [
    "Samme oplysning i tre systemer",
    "Kvittering for hver nøgle",
    "Skema til kursus skal godkendes tre gange",
    "Vi tæller medicin to gange",
    "Kørselsregnskab på papir",
    "Referat af alle møder",
    "Dobbelt registrering af fald",
    "Indkøb kun via portalen tager lang tid",
]


def _months(months: float) -> timedelta:
    return timedelta(days=round(months * 30.4))


def _decide(review, *, consultant, decision, decided_on, estimate, rationale):
    name, minutes, times = estimate or ("", None, None)
    return services.decide_review(
        review=review,
        user=consultant,
        decision=decision,
        rationale=rationale,
        decided_on=decided_on,
        new_activity_name=name,
        new_minutes_per_occurrence=D(str(minutes)) if minutes is not None else None,
        new_occurrences_per_year=D(str(times)) if times is not None else None,
    )


def _follow_up(rng, review, *, consultant, today) -> None:
    """Decisions whose follow-up date has passed mostly have a verdict; a few are late."""
    review.refresh_from_db()
    if review.follow_up_on is None or review.follow_up_on > today - timedelta(days=10):
        return
    if rng.random() < 0.2:
        return  # overdue: the overview shows it
    verdict = rng.choices(["worked", "partly", "did_not_work"], weights=(7, 2, 1))[0]
    services.record_decision_follow_up(
        review=review,
        user=consultant,
        follow_up_on=review.follow_up_on,
        verdict=verdict,
        note=VERDICT_NOTES[verdict],
    )
    Review.objects.filter(pk=review.pk).update(
        followed_up_on=min(today, review.follow_up_on + timedelta(days=rng.randint(0, 20)))
    )


def _backdate_review(review, opened_on: date) -> None:
    when = timezone.make_aware(datetime.combine(opened_on, time(10)))
    Review.objects.filter(pk=review.pk).update(created_at=when)
    Review.history.filter(id=review.pk).update(history_date=when)


def _history(*, rng, today, items, consultant, log) -> None:
    log(_("Two years of history: local governance, decisions and their follow-up …"))
    institutions = list(
        Unit.objects.filter(is_active=True, kind=UnitKind.INSTITUTION).order_by("path")
    )
    number = Item.objects.count()
    local = []
    for unit in institutions:
        if rng.random() > 0.6:
            continue
        for title, kind, layer, minutes, times in rng.sample(LOCAL, rng.randint(1, 2)):
            number += 1
            introduced = today - timedelta(days=rng.randint(20, 1100))
            item = services.create_item(
                data=services.ItemInput(
                    reference=f"STY-{number:05d}",
                    title=title,
                    kind=kind,
                    layer=layer,
                    introduced_on=introduced,
                    units=[unit],
                    is_formal=layer != Layer.SELF_IMPOSED,
                ),
                user=consultant,
            )
            services.add_activity(
                item=item,
                name=title,
                minutes_per_occurrence=D(minutes),
                occurrences_per_year=D(times),
            )
            local.append(item)
    decided = 0
    # Some local governance is reviewed and decided over the two years.
    for item in local:
        if rng.random() > 0.45:
            continue
        decided_on = today - timedelta(days=rng.randint(5, 720))
        if decided_on <= item.introduced_on:
            continue
        decision = rng.choices(["remove", "change", "keep", "anchor"], weights=(4, 3, 2, 2))[0]
        review = services.open_review(
            item=item, user=consultant, stake_groups=list(RoleGroup.values)
        )
        estimate = ("Kun ved afvigelser", 2, 12) if decision in ("change", "anchor") else None
        _decide(
            review,
            consultant=consultant,
            decision=decision,
            decided_on=decided_on,
            estimate=estimate,
            rationale="Medarbejderne viste, at formålet kan nås med mindre.",
        )
        opened = max(item.introduced_on, decided_on - timedelta(days=rng.randint(20, 160)))
        _backdate_review(review, opened)
        _follow_up(rng, review, consultant=consultant, today=today)
        decided += 1
    # The council decides on its own governance; one waits for it.
    for key, decision, months, estimate in COUNCIL_DECISIONS:
        item = items.get(key)
        if item is None:
            continue
        review = services.open_review(
            item=item, user=consultant, stake_groups=list(RoleGroup.values)
        )
        decided_on = today - _months(months)
        _decide(
            review,
            consultant=consultant,
            decision=decision,
            decided_on=decided_on,
            estimate=estimate,
            rationale="Byrådet fulgte indstillingen fra den samskabte gennemgang.",
        )
        _backdate_review(review, decided_on - timedelta(days=rng.randint(60, 120)))
        _follow_up(rng, review, consultant=consultant, today=today)
        decided += 1
    waiting = items.get("kpi_visits")
    if waiting is not None:
        review = services.open_review(
            item=waiting, user=consultant, stake_groups=list(RoleGroup.values)
        )
        services.advance_review(review=review, user=consultant)
        services.advance_review(review=review, user=consultant)
        _backdate_review(review, today - timedelta(days=150))
        ready = timezone.make_aware(datetime.combine(today - timedelta(days=75), time(10)))
        Review.history.filter(id=review.pk, status=ReviewStatus.DECIDING).update(history_date=ready)
    # The escalation to the state has waited half a year; an older one was granted.
    escalated = Review.objects.filter(status=ReviewStatus.ESCALATED).first()
    if escalated is not None:
        escalated_on = today - _months(7)
        Review.objects.filter(pk=escalated.pk).update(
            decided_on=escalated_on, follow_up_on=services.default_follow_up_on(escalated_on)
        )
    granted = items.get("fse")
    if granted is not None:
        review = services.open_review(
            item=granted, user=consultant, stake_groups=list(RoleGroup.values)
        )
        _decide(
            review,
            consultant=consultant,
            decision="remove",
            decided_on=today - _months(13),
            estimate=None,
            rationale="Funktionsvurderingen ved hvert besøg giver intet nyt; kun staten kan fjerne den.",
        )
        _backdate_review(review, today - _months(16))
        services.record_escalation_answer(
            review=review,
            user=consultant,
            follow_up_on=today - _months(7),
            answer=EscalationAnswer.GRANTED,
            answered_on=today - _months(5),
            note="Ministeriet har givet dispensation som frikommuneforsøg.",
        )
        decided += 1
    log(
        _("%(items)s items of local governance, %(decided)s decisions over two years.")
        % {"items": len(local), "decided": decided}
    )
    _report_history(rng=rng, today=today, items=items, consultant=consultant, log=log)


def _report_history(*, rng, today, items, consultant, log) -> None:
    """Red-tape reports over two years: most answered in time, some late, some waiting."""
    units = list(
        Unit.objects.filter(is_active=True, kind__in=[UnitKind.INSTITUTION, UnitKind.TEAM])
        .filter(path__startswith=_targets(None)["social"][0].path)
        .order_by("path")
    ) or list(Unit.objects.filter(is_active=True).order_by("path"))
    promise = services.promise_days()
    reports = []
    keyed = [
        items[k] for k in ("doc_services", "keys", "med_count_dup", "travel_expenses") if k in items
    ]
    for n in range(160):
        reported = today - timedelta(days=rng.randint(1, 720))
        roll = rng.random()
        if roll < 0.7:
            answered = reported + timedelta(days=rng.randint(3, promise - 2))
        elif roll < 0.85:
            answered = reported + timedelta(days=rng.randint(promise + 1, promise * 2))
        else:
            answered = None
        if answered is not None and answered > today:
            answered = None
        anonymous = rng.random() < 0.25
        item = rng.choice(keyed) if keyed and rng.random() < 0.4 else None
        status = (
            rng.choice([ReportStatus.RESOLVED, ReportStatus.RECOMMENDED, ReportStatus.REJECTED])
            if answered
            else rng.choice([ReportStatus.NEW, ReportStatus.EXAMINING])
        )
        reports.append(
            RedTapeReport(
                item=item,
                title=rng.choice(TITLES),
                description="Det tager tid fra borgerne og giver ingen ny viden.",
                minutes_per_week=rng.choice([5, 10, 15, 30, 60]),
                is_anonymous=anonymous,
                unit=None if anonymous else rng.choice(units),
                follow_up_hash=services.code_hash(f"demo-{n}-{rng.random()}"),
                status=status,
                answer=rng.choice(ANSWERS) if answered else "",
                reported_on=reported,
                status_changed_on=answered,
                due_on=reported + timedelta(days=promise),
                answered_on=answered,
                assignee=consultant if rng.random() < 0.85 else None,
            )
        )
    RedTapeReport.objects.bulk_create(reports)
    log(_("%(count)s red-tape reports over two years.") % {"count": len(reports)})
