"""A deterministic, realistic Danish demo municipality.

`generate()` is pure: from the number of employees and a seed it returns the
same units and people every time (one `random.Random(seed)`, lists in code,
no database ids, no iteration over sets). `manage.py demo_municipality`
writes the result.

The shape follows a typical Danish municipality: five administrations
(forvaltninger) with their areas, institutions and teams. Care and schools
carry most of the staff. The number of institutions grows with the number of
employees, and institutions grow somewhat too (large municipalities have larger
schools and care homes). Every unit has exactly one leader.
"""

import itertools
import math
import random
import re
import unicodedata
from dataclasses import dataclass

from tillid.organisation.models import UnitKind

MIN_EMPLOYEES = 300
MAX_EMPLOYEES = 45_000
DEFAULT_EMPLOYEES = 3_000
DEFAULT_SEED = 2026

# The care home the demo logins `leder` and `medarbejder` belong to: always the
# first plejecenter of Ældreområdet in Social og Sundhed, with at least two teams.
SOCIAL_ID = "SOS"
CARE_HOME_ID = "SOS-AELD-PC01"

# Institutions scale with (employees / 3,000) ** SIZE_EXPONENT, teams with the
# square root of that: at 45,000 a care home has about twice the staff it has at
# 3,000, in teams a good third larger.
REFERENCE_EMPLOYEES = 3_000
SIZE_EXPONENT = 0.25


@dataclass(frozen=True)
class DemoUnit:
    external_id: str
    name: str
    kind: str
    parent: str | None  # the parent's external id


@dataclass(frozen=True)
class DemoPerson:
    external_id: str
    name: str
    email: str
    unit: str  # the unit's external id
    is_leader: bool


@dataclass(frozen=True)
class DemoOrganisation:
    units: tuple[DemoUnit, ...]
    people: tuple[DemoPerson, ...]
    care_home: str  # external id of the plejecenter of the leder/medarbejder logins
    leader: str  # external id of its leader
    employee: str  # external id of an employee in one of its teams


# --- The shape of the municipality -----------------------------------------


@dataclass(frozen=True)
class Institutions:
    """One kind of institution in an area.

    Either generated names (`style`, as many as the staff calls for) or a fixed
    list of named departments (`fixed`, each with its own team names), of which
    as many are used as the staff calls for, at least one if `min_count`.
    """

    code: str
    share: float  # of the area's staff
    size: int  # typical staff of one institution at 3,000 employees
    team_size: int = 0  # typical team at 3,000 employees; 0: no teams
    teams: tuple[str, ...] = ()
    style: str = ""
    fixed: tuple[tuple[str, tuple[str, ...]], ...] = ()
    min_count: int = 0
    min_teams: int = 0
    care: bool = False  # about one in ten has no work e-mail


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    share: float  # of the administration's staff
    institutions: tuple[Institutions, ...]


@dataclass(frozen=True)
class Administration:
    code: str
    name: str
    share: float  # of the municipality's staff
    female: float  # share of women, for the choice of first names
    areas: tuple[Area, ...]


CARE_HOME_TEAMS = (
    "Team Nord",
    "Team Syd",
    "Team Aften",
    "Team Nat",
    "Team Øst",
    "Team Vest",
    "Demensafsnittet",
    "Aktivitet og Træning",
    "Køkken og Service",
)
HOME_CARE_TEAMS = (
    "Team Dag Nord",
    "Team Dag Syd",
    "Team Aften",
    "Team Nat",
    "Team Dag Øst",
    "Team Dag Vest",
    "Team Weekend",
    "Planlægning",
)
SCHOOL_TEAMS = (
    "Indskoling",
    "Mellemtrin",
    "Udskoling",
    "SFO",
    "Specialklasserne",
    "Administration og Service",
    "Modtageklassen",
    "Ressourcecentret",
)
DAYCARE_TEAMS = (
    "Grøn stue",
    "Rød stue",
    "Blå stue",
    "Gul stue",
    "Lilla stue",
    "Orange stue",
    "Skovgruppen",
)

MUNICIPALITY_SHAPE: tuple[Administration, ...] = (
    Administration(
        "SOS",
        "Social og Sundhed",
        0.36,
        0.85,
        (
            Area(
                "AELD",
                "Ældreområdet",
                0.60,
                (
                    Institutions(
                        "PC",
                        0.55,
                        70,
                        14,
                        CARE_HOME_TEAMS,
                        style="care_home",
                        min_count=1,
                        min_teams=2,
                        care=True,
                    ),
                    Institutions(
                        "HP",
                        0.37,
                        60,
                        14,
                        HOME_CARE_TEAMS,
                        style="home_care",
                        min_count=1,
                        care=True,
                    ),
                    Institutions(
                        "VIS",
                        0.04,
                        14,
                        10,
                        fixed=(
                            (
                                "Visitation og Hjælpemidler",
                                ("Team Visitation", "Team Hjælpemidler"),
                            ),
                        ),
                    ),
                    Institutions(
                        "MAD",
                        0.04,
                        16,
                        8,
                        fixed=(("Madservice", ("Produktion", "Udbringning")),),
                        care=True,
                    ),
                ),
            ),
            Area(
                "HAP",
                "Handicap og Psykiatri",
                0.28,
                (
                    Institutions(
                        "BO",
                        0.60,
                        40,
                        12,
                        ("Team Dag", "Team Aften", "Team Nat", "Hus A", "Hus B", "Hus C"),
                        style="residence",
                        min_count=1,
                        care=True,
                    ),
                    Institutions(
                        "AKT",
                        0.25,
                        24,
                        10,
                        ("Værkstedet", "Caféen", "Udeholdet", "Kreaholdet"),
                        style="activity",
                        care=True,
                    ),
                    Institutions(
                        "SOC",
                        0.15,
                        24,
                        10,
                        fixed=(
                            ("Socialpsykiatrien", ("Team Bostøtte", "Team Rådgivning")),
                            ("Myndighed Voksne", ("Team Udredning", "Team Sagsbehandling")),
                            ("Misbrugscentret", ("Team Behandling", "Team Unge")),
                        ),
                    ),
                ),
            ),
            Area(
                "SUF",
                "Sundhed og Forebyggelse",
                0.12,
                (
                    Institutions(
                        "SYG",
                        0.45,
                        30,
                        10,
                        ("Team Dag", "Team Aften", "Team Nat", "Sygeplejeklinikken"),
                        style="nursing",
                        min_count=1,
                        care=True,
                    ),
                    Institutions(
                        "TC",
                        0.35,
                        28,
                        9,
                        ("Genoptræning", "Rehabilitering", "Hjælpemidler", "Fysioterapi"),
                        style="training",
                    ),
                    Institutions(
                        "SUC",
                        0.20,
                        20,
                        8,
                        fixed=(
                            ("Sundhedscentret", ("Team Forebyggelse", "Team Kronisk sygdom")),
                            ("Demenskoordinationen", ()),
                        ),
                    ),
                ),
            ),
        ),
    ),
    Administration(
        "BOU",
        "Børn og Unge",
        0.42,
        0.78,
        (
            Area(
                "SKO",
                "Skoleområdet",
                0.55,
                (
                    Institutions(
                        "SK", 0.88, 65, 12, SCHOOL_TEAMS, style="school", min_count=1, min_teams=2
                    ),
                    Institutions(
                        "UNG",
                        0.12,
                        35,
                        10,
                        fixed=(
                            (
                                "Ungdomsskolen",
                                ("Undervisning", "Klubberne", "Heltidsundervisningen"),
                            ),
                            ("Specialskolen", ("Indskoling", "Mellemtrin", "Udskoling")),
                            ("10. klassecentret", ("Undervisning", "Vejledning")),
                        ),
                    ),
                ),
            ),
            Area(
                "DAG",
                "Dagtilbud",
                0.37,
                (
                    Institutions(
                        "BH", 0.82, 20, 6, DAYCARE_TEAMS, style="daycare", min_count=1, min_teams=2
                    ),
                    Institutions(
                        "DP",
                        0.18,
                        35,
                        9,
                        (
                            "Legestuegruppe Nord",
                            "Legestuegruppe Syd",
                            "Legestuegruppe Øst",
                            "Legestuegruppe Vest",
                            "Gæstedagplejen",
                        ),
                        style="childminding",
                    ),
                ),
            ),
            Area(
                "FAM",
                "Familie og Rådgivning",
                0.08,
                (
                    Institutions(
                        "FR",
                        1.0,
                        25,
                        8,
                        fixed=(
                            (
                                "Børne- og Ungerådgivningen",
                                ("Team 0–12 år", "Team 13–17 år", "Team Handicap"),
                            ),
                            ("Familiecentret", ("Team Familiebehandling", "Team Forebyggelse")),
                            ("PPR", ("Psykologerne", "Tale-høre-konsulenterne")),
                            ("Sundhedsplejen", ("Team Nord", "Team Syd")),
                            ("Tandplejen", ("Klinik Nord", "Klinik Syd")),
                        ),
                        min_count=1,
                    ),
                ),
            ),
        ),
    ),
    Administration(
        "BES",
        "Beskæftigelse",
        0.08,
        0.65,
        (
            Area(
                "JOB",
                "Jobcenter",
                0.68,
                (
                    Institutions(
                        "JC",
                        1.0,
                        40,
                        12,
                        fixed=(
                            (
                                "Jobcenter – Virksomhedsservice",
                                ("Team Virksomhedskonsulenter", "Team Rekruttering"),
                            ),
                            (
                                "Jobcenter – Unge",
                                ("Team Uddannelsesparate", "Team Aktivitetsparate unge"),
                            ),
                            (
                                "Jobcenter – Sygedagpenge og Fleksjob",
                                ("Team Sygedagpenge", "Team Fleksjob", "Team Jobafklaring"),
                            ),
                            (
                                "Jobcenter – Kontanthjælp og Integration",
                                ("Team Jobparate", "Team Aktivitetsparate", "Team Integration"),
                            ),
                            (
                                "Jobcenter – Ressourceforløb",
                                ("Team Ressourceforløb", "Rehabiliteringsteamet"),
                            ),
                        ),
                        min_count=1,
                    ),
                ),
            ),
            Area(
                "YDE",
                "Ydelsesservice",
                0.32,
                (
                    Institutions(
                        "YS",
                        1.0,
                        25,
                        10,
                        fixed=(
                            ("Borgerservice", ("Team Pas og Kørekort", "Team Digital Hjælp")),
                            ("Ydelseskontoret", ("Team Kontanthjælp", "Team Sygedagpenge")),
                            ("Pension og Boligstøtte", ("Team Pension", "Team Boligstøtte")),
                            ("Kontrol og Opkrævning", ("Team Kontrol", "Team Opkrævning")),
                        ),
                        min_count=1,
                    ),
                ),
            ),
        ),
    ),
    Administration(
        "TEM",
        "Teknik og Miljø",
        0.08,
        0.35,
        (
            Area(
                "VEP",
                "Vej og Park",
                0.50,
                (
                    Institutions(
                        "DO",
                        0.75,
                        30,
                        10,
                        ("Vejholdet", "Parkholdet", "Kirkegårdene", "Vintertjenesten"),
                        style="depot",
                        min_count=1,
                    ),
                    Institutions(
                        "MG",
                        0.25,
                        20,
                        8,
                        fixed=(("Materielgården", ("Værkstedet", "Maskinparken", "Lageret")),),
                    ),
                ),
            ),
            Area(
                "BYM",
                "Byg og Miljø",
                0.30,
                (
                    Institutions(
                        "BM",
                        0.70,
                        18,
                        8,
                        fixed=(
                            ("Byggesager", ("Team Bolig", "Team Erhverv")),
                            ("Miljø og Affald", ("Team Virksomheder", "Team Affald")),
                            ("Plan og Byudvikling", ("Team Lokalplaner", "Team Landzone")),
                        ),
                        min_count=1,
                    ),
                    Institutions("GP", 0.25, 12, style="recycling"),
                ),
            ),
            Area(
                "NAK",
                "Natur og Klima",
                0.20,
                (
                    Institutions(
                        "NK",
                        1.0,
                        16,
                        8,
                        fixed=(
                            ("Natur og Vandløb", ("Team Natur", "Team Vandløb")),
                            ("Klimatilpasning", ("Team Klima", "Team Kyst og Vand")),
                            ("Naturskolen", ()),
                        ),
                        min_count=1,
                    ),
                ),
            ),
        ),
    ),
    Administration(
        "KUF",
        "Kultur og Fritid",
        0.06,
        0.55,
        (
            Area(
                "KUL",
                "Kultur",
                0.35,
                (
                    Institutions(
                        "KU",
                        1.0,
                        20,
                        8,
                        fixed=(
                            ("Musikskolen", ("Instrumentalundervisning", "Sammenspil og Kor")),
                            ("Kulturhuset", ("Scene og Koncerter", "Café og Værtskab")),
                            ("Museet", ("Samlinger", "Formidling")),
                            ("Lokalhistorisk Arkiv", ()),
                        ),
                        min_count=1,
                    ),
                ),
            ),
            Area(
                "FRI",
                "Fritid og Idræt",
                0.35,
                (
                    Institutions(
                        "IC",
                        0.65,
                        16,
                        7,
                        ("Hal og Drift", "Svømmehallen", "Caféen"),
                        style="sports",
                        min_count=1,
                    ),
                    Institutions(
                        "KLU",
                        0.35,
                        20,
                        8,
                        fixed=(
                            (
                                "Fritids- og Ungdomsklubberne",
                                ("Klub Nord", "Klub Syd", "Klub Øst", "Klub Vest"),
                            ),
                        ),
                    ),
                ),
            ),
            Area(
                "BIB",
                "Biblioteker",
                0.30,
                (
                    Institutions(
                        "HB",
                        0.55,
                        20,
                        7,
                        fixed=(
                            (
                                "Hovedbiblioteket",
                                ("Børn og Unge", "Voksne og Formidling", "Digital Service"),
                            ),
                        ),
                        min_count=1,
                    ),
                    Institutions("FB", 0.45, 10, style="library"),
                ),
            ),
        ),
    ),
)

# Direct staff (secretariat, consultants) as a share of a unit's staff.
ADMINISTRATION_STAFF = 0.015
AREA_STAFF = 0.02
INSTITUTION_STAFF = 0.03  # in institutions with teams (deputy, office)

# --- Names ------------------------------------------------------------------

FEMALE_FIRST_NAMES = (
    "Anne", "Mette", "Kirsten", "Hanne", "Helle", "Susanne", "Lene", "Marianne", "Camilla",
    "Louise", "Charlotte", "Pia", "Maria", "Tina", "Gitte", "Bente", "Lone", "Karen", "Inge",
    "Lotte", "Rikke", "Julie", "Sofie", "Emma", "Ida", "Laura", "Cecilie", "Mathilde", "Signe",
    "Line", "Maja", "Katrine", "Stine", "Trine", "Sanne", "Heidi", "Jette", "Dorte", "Birgitte",
    "Annette", "Malene", "Christina", "Nanna", "Sara", "Anna", "Caroline", "Freja", "Josefine",
    "Amalie", "Tanja", "Janne", "Winnie", "Lisbeth", "Pernille", "Mia", "Marie", "Ditte", "Ulla",
    "Vibeke", "Lise", "Eva", "Ingrid", "Birthe", "Tove", "Connie", "Berit", "Merete",
    "Henriette", "Astrid", "Clara", "Emilie", "Frida", "Karina", "Majbritt", "Rebekka",
    "Fatima", "Aisha", "Nadia", "Yasmin", "Agnieszka", "Jannie", "Solveig", "Dorthe", "Kamilla",
)  # fmt: skip
MALE_FIRST_NAMES = (
    "Jens", "Peter", "Lars", "Michael", "Henrik", "Søren", "Thomas", "Jan", "Niels", "Anders",
    "Morten", "Jesper", "Martin", "Christian", "Hans", "Per", "Rasmus", "Mads", "Jakob", "Mikkel",
    "Kim", "Ole", "Jørgen", "Torben", "Claus", "Bo", "Steen", "Frederik", "Kasper", "Nikolaj",
    "Simon", "Mathias", "Oliver", "William", "Emil", "Lukas", "Magnus", "Anton", "Tobias",
    "Jonas", "Kristian", "Brian", "Allan", "Poul", "Erik", "Finn", "Kenneth", "Carsten",
    "Flemming", "Bjarne", "Preben", "Kurt", "Tommy", "René", "Dennis", "Jacob", "Daniel",
    "Sebastian", "Alexander", "Victor", "Ahmad", "Ali", "Mohammed", "Omar", "Hassan", "Tomasz",
    "Andreas", "Esben", "Asger", "Troels",
)  # fmt: skip
# Surnames with a weight roughly following how common they are in Denmark.
SURNAMES = (
    ("Nielsen", 227), ("Jensen", 225), ("Hansen", 190), ("Andersen", 160), ("Pedersen", 158),
    ("Christensen", 114), ("Larsen", 112), ("Sørensen", 104), ("Rasmussen", 91),
    ("Jørgensen", 85), ("Petersen", 76), ("Madsen", 61), ("Kristensen", 59), ("Olsen", 56),
    ("Thomsen", 48), ("Christiansen", 46), ("Poulsen", 41), ("Johansen", 40), ("Møller", 38),
    ("Mortensen", 37), ("Knudsen", 32), ("Jakobsen", 31), ("Mikkelsen", 29), ("Frederiksen", 28),
    ("Laursen", 26), ("Henriksen", 26), ("Lund", 25), ("Schmidt", 21), ("Eriksen", 20),
    ("Holm", 19), ("Kristiansen", 19), ("Clausen", 19), ("Simonsen", 18), ("Svendsen", 18),
    ("Andreasen", 17), ("Iversen", 16), ("Jeppesen", 15), ("Mogensen", 14), ("Jacobsen", 14),
    ("Nissen", 14), ("Lauridsen", 14), ("Kjær", 13), ("Bach", 13), ("Østergaard", 12),
    ("Søndergaard", 12), ("Vestergaard", 12), ("Nørgaard", 11), ("Dahl", 11), ("Bertelsen", 11),
    ("Thygesen", 10), ("Friis", 10), ("Bak", 10), ("Lassen", 10), ("Kjeldsen", 10), ("Berg", 9),
    ("Damgaard", 9), ("Skov", 9), ("Winther", 8), ("Lindberg", 8), ("Overgaard", 8),
    ("Mathiasen", 8), ("Brandt", 8), ("Dam", 8), ("Gregersen", 7), ("Toft", 7), ("Nygaard", 7),
    ("Kirkegaard", 7), ("Ahmed", 4), ("Hussein", 3), ("Khan", 3), ("Nowak", 3), ("Yilmaz", 3),
    ("Nguyen", 3), ("Kowalski", 2),
)  # fmt: skip
MIDDLE_NAMES = (
    "Bach", "Holm", "Lund", "Skov", "Dahl", "Kjær", "Juul", "Krog", "Winther", "Friis", "Bøgh",
    "Munk", "Buch", "Vinther", "Kruse", "Hvid",
)  # fmt: skip

# Compound place names: stem + ending ("Ege" + "lund" -> "Egelund").
PLACE_STEMS = (
    "Ege", "Bøge", "Linde", "Aske", "Birke", "Hylde", "Rose", "Sol", "Kilde", "Skov", "Sø",
    "Eng", "Mølle", "Kirke", "Nørre", "Sønder", "Øster", "Vester", "Pile", "Hassel", "Tjørne",
    "Lyng", "Kløver", "Æble", "Kastanje", "Elme", "Fyrre", "Strand", "Fjord", "Hjorte", "Fugle",
    "Lærke", "Svane", "Vibe", "Ravne", "Bakke", "Mose", "Stjerne",
)  # fmt: skip
CARE_HOME_ENDINGS = (
    "gården", "bakken", "høj", "vang", "lund", "vænget", "haven", "parken", "toften", "dal",
    "hjemmet", "ly", "bo",
)  # fmt: skip
SCHOOL_ENDINGS = ("vang", "høj", "bakke", "lund", "dal", "bjerg", "holm", "eng", "mark", "skov")
DAYCARE_PREFIXES = ("Børnehuset", "Børnehuset", "Børnehaven", "Vuggestuen")
DAYCARE_WORDS = (
    "Mælkebøtten", "Regnbuen", "Solstrålen", "Myretuen", "Bikuben", "Spiloppen", "Humlebien",
    "Mariehønen", "Græshoppen", "Skovtrolden", "Krudtuglen", "Stjerneskuddet", "Kastanjen",
    "Søstjernen", "Uglereden", "Tusindfryd", "Solsikken", "Bøgebladet", "Egernet", "Pindsvinet",
    "Skovmusen", "Firkløveret", "Trætoppen", "Lærkereden", "Svalen", "Rumlepotten",
    "Sommerfuglen", "Andedammen", "Fuglereden", "Guldklumpen", "Troldeskoven", "Bamsehuset",
    "Paletten", "Skattekisten", "Villa Kulla", "Mosekonen", "Spurvereden", "Nøddebo",
)  # fmt: skip
TOWN_STEMS = (
    "Hjort", "Ravn", "Ulv", "Thor", "Ting", "Sand", "Sten", "Hald", "Vibe", "Ege", "Aske", "Lind",
    "Bøg", "Hol", "Brøn", "Kirke", "Gammel", "Ny", "Vester", "Øster", "Nørre", "Sønder", "Lille",
    "Store", "Hvid", "Tør", "Grøn", "Ørne", "Skov", "Eng",
)  # fmt: skip
TOWN_ENDINGS = (
    "rup", "strup", "sted", "lev", "løse", "by", "bjerg", "holm", "købing", "borg", "høj",
    "lunde", "ager", "bæk", "torp", "lund",
)  # fmt: skip
DIRECTIONS = ("Nord", "Syd", "Øst", "Vest", "Midt")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII for e-mail addresses: æ → ae, ø → oe, å → aa, é → e."""
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", text)


def email_domain(municipality_name: str) -> str:
    """'Egeskov Kommune' → 'egeskov.dk'."""
    base = re.sub(r"\s+kommune$", "", municipality_name.strip(), flags=re.IGNORECASE)
    return f"{ascii_fold(base) or 'kommune'}.dk"


def _shuffled(rng: random.Random, items) -> list:
    items = list(items)
    rng.shuffle(items)
    return items


def _compounds(stems, endings) -> list[str]:
    names = []
    for stem in stems:
        for ending in endings:
            if ending.startswith(stem.lower().rstrip("e")):
                continue  # no "Skovskov", "Bakkebakken"
            names.append(stem + ending)
    return names


class _Pool:
    """Draws distinct names in a seeded order; when used up, adds a direction."""

    def __init__(self, rng: random.Random, names) -> None:
        self._names = _shuffled(rng, dict.fromkeys(names))
        self._next = 0

    def take(self) -> str:
        index = self._next
        self._next += 1
        base = self._names[index % len(self._names)]
        rounds = index // len(self._names)
        if rounds == 0:
            return base
        # "Regnbuen Nord", …, "Regnbuen Midt", then "Regnbuen Nord 2", …
        direction = DIRECTIONS[(rounds - 1) % len(DIRECTIONS)]
        number = (rounds - 1) // len(DIRECTIONS) + 1
        return f"{base} {direction}" + (f" {number}" if number > 1 else "")


class _NameBook:
    def __init__(self, rng: random.Random, employees: int) -> None:
        places = _compounds(PLACE_STEMS, CARE_HOME_ENDINGS)
        towns = _shuffled(rng, _compounds(TOWN_STEMS, TOWN_ENDINGS))
        # A municipality has some towns; the larger, the more.
        towns = towns[: max(12, min(len(towns), employees // 400))]
        school_places = [
            *_compounds(PLACE_STEMS, SCHOOL_ENDINGS),
            "Nørre",
            "Sønder",
            "Øster",
            "Vester",
        ]
        daycare = [f"{rng.choice(DAYCARE_PREFIXES)} {word}" for word in DAYCARE_WORDS]
        daycare_overflow = [f"Børnehuset {place}" for place in _shuffled(rng, places)]
        self._pools = {
            "care_home": _Pool(rng, [f"Plejecenter {p}" for p in places]),
            "residence": _Pool(
                rng, [f"{rng.choice(('Bostedet', 'Botilbuddet'))} {p}" for p in places]
            ),
            "activity": _Pool(
                rng, [f"{rng.choice(('Aktivitetscentret', 'Værestedet'))} {p}" for p in places]
            ),
            "school": _Pool(rng, [f"{p}skolen" for p in school_places]),
            "daycare": _DaycarePool(rng, daycare, daycare_overflow),
            "home_care": _Pool(rng, [f"Hjemmeplejen Distrikt {t}" for t in towns]),
            "nursing": _Pool(rng, [f"Sygeplejen Distrikt {t}" for t in towns]),
            "training": _Pool(rng, [f"Træningscenter {t}" for t in towns]),
            "childminding": _Pool(rng, [f"Dagplejen {t}" for t in towns]),
            "depot": _Pool(rng, [f"Driftsområde {t}" for t in towns]),
            "recycling": _Pool(rng, [f"Genbrugspladsen {t}" for t in towns]),
            "sports": _Pool(rng, [f"Idrætscentret {t}" for t in towns]),
            "library": _Pool(rng, [f"{t} Bibliotek" for t in towns]),
        }

    def take(self, style: str) -> str:
        return self._pools[style].take()


class _DaycarePool:
    """The well-known daycare names first, then 'Børnehuset <place>'."""

    def __init__(self, rng: random.Random, first, overflow) -> None:
        self._first = _Pool(rng, first)
        self._count = len(first)
        self._overflow = _Pool(rng, overflow)
        self._taken = 0

    def take(self) -> str:
        self._taken += 1
        if self._taken <= self._count:
            return self._first.take()
        return self._overflow.take()


def _team_names(base: tuple[str, ...], count: int) -> list[str]:
    """The first `count` team names; numbered when the list runs out."""
    names = []
    for index in range(count):
        name = base[index % len(base)]
        rounds = index // len(base)
        names.append(f"{name} {rounds + 1}" if rounds else name)
    return names


def _largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (ties by position)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    quotas = [total * w / weight_sum for w in weights]
    counts = [math.floor(q) for q in quotas]
    left = total - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in order[:left]:
        counts[i] += 1
    return counts


# --- The generator ----------------------------------------------------------


@dataclass
class _Slot:
    """A unit while the organisation is being shaped."""

    unit: DemoUnit
    weight: float  # direct staff besides the leader, in relative terms
    leaf: bool  # needs at least one employee besides the leader
    female: float
    care: bool


def generate(*, employees: int, seed: int, municipality_name: str) -> DemoOrganisation:
    """The demo municipality for `employees` people (MIN_EMPLOYEES..MAX_EMPLOYEES)."""
    if not MIN_EMPLOYEES <= employees <= MAX_EMPLOYEES:
        raise ValueError(
            f"employees must be between {MIN_EMPLOYEES} and {MAX_EMPLOYEES}, not {employees}"
        )
    rng = random.Random(seed)
    slots = _shape(rng, employees, municipality_name)
    people = _staff(rng, slots, employees, email_domain(municipality_name))
    units = tuple(slot.unit for slot in slots)
    leader = next(p for p in people if p.unit == CARE_HOME_ID and p.is_leader)
    team_ids = [u.external_id for u in units if u.parent == CARE_HOME_ID]
    in_teams = [p for p in people if p.unit in team_ids and not p.is_leader]
    employee = next((p for p in in_teams if p.email), in_teams[0])
    return DemoOrganisation(
        units=units,
        people=people,
        care_home=CARE_HOME_ID,
        leader=leader.external_id,
        employee=employee.external_id,
    )


def _shape(rng: random.Random, employees: int, municipality_name: str) -> list[_Slot]:
    names = _NameBook(rng, employees)
    growth = (employees / REFERENCE_EMPLOYEES) ** SIZE_EXPONENT
    team_growth = math.sqrt(growth)
    root = DemoUnit("K", municipality_name, UnitKind.MUNICIPALITY, None)
    slots = [_Slot(root, 0.0, False, 0.5, False)]
    for admin in MUNICIPALITY_SHAPE:
        admin_staff = employees * admin.share
        admin_unit = DemoUnit(admin.code, admin.name, UnitKind.ADMINISTRATION, root.external_id)
        slots.append(
            _Slot(admin_unit, admin_staff * ADMINISTRATION_STAFF, False, admin.female, False)
        )
        for area in admin.areas:
            area_staff = admin_staff * (1 - ADMINISTRATION_STAFF) * area.share
            area_id = f"{admin.code}-{area.code}"
            area_unit = DemoUnit(area_id, area.name, UnitKind.AREA, admin.code)
            area_slot = _Slot(area_unit, area_staff * AREA_STAFF, False, admin.female, False)
            slots.append(area_slot)
            institution_staff = area_staff * (1 - AREA_STAFF)
            plans = []
            for spec in area.institutions:
                budget = institution_staff * spec.share
                count = round(budget / (spec.size * growth))
                if spec.fixed:
                    count = min(count, len(spec.fixed))
                plans.append([spec, budget, max(count, spec.min_count)])
            if not any(count for _spec, _budget, count in plans):
                plans[0][2] = 1
            for spec, budget, count in plans:
                if not count:
                    continue
                variation = [rng.uniform(0.75, 1.25) for _ in range(count)]
                sizes = [budget * v / sum(variation) for v in variation]
                for index, size in enumerate(sizes, start=1):
                    slots.extend(
                        _institution(rng, names, spec, index, size, area_id, team_growth, admin)
                    )
    return slots


def _institution(rng, names, spec, index, size, area_id, team_growth, admin) -> list[_Slot]:
    if spec.fixed:
        name, team_base = spec.fixed[index - 1]
    else:
        name, team_base = names.take(spec.style), spec.teams
    external_id = f"{area_id}-{spec.code}{index:02d}"
    unit = DemoUnit(external_id, name, UnitKind.INSTITUTION, area_id)
    team_count = round(size / (spec.team_size * team_growth)) if spec.team_size else 0
    if not team_base:
        team_count = 0
    elif team_count < 2:
        # One team is no division at all; small institutions have none.
        team_count = spec.min_teams
    else:
        team_count = max(team_count, spec.min_teams)
    if not team_count:
        return [_Slot(unit, size, True, admin.female, spec.care)]
    result = [_Slot(unit, size * INSTITUTION_STAFF, False, admin.female, spec.care)]
    team_staff = size * (1 - INSTITUTION_STAFF)
    variation = [rng.uniform(0.8, 1.2) for _ in range(team_count)]
    for number, (team_name, v) in enumerate(
        zip(_team_names(team_base, team_count), variation, strict=True), start=1
    ):
        team = DemoUnit(f"{external_id}-T{number}", team_name, UnitKind.TEAM, external_id)
        result.append(_Slot(team, team_staff * v / sum(variation), True, admin.female, spec.care))
    return result


def _staff(
    rng: random.Random, slots: list[_Slot], employees: int, domain: str
) -> tuple[DemoPerson, ...]:
    leaves = sum(1 for slot in slots if slot.leaf)
    spare = employees - len(slots) - leaves  # after one leader per unit, one employee per leaf
    if spare < 0:
        raise ValueError(f"{employees} employees are too few for {len(slots)} units")
    extra = _largest_remainder(spare, [slot.weight for slot in slots])
    surnames = [name for name, _w in SURNAMES]
    cumulative = list(itertools.accumulate(w for _name, w in SURNAMES))
    used_emails: dict[str, int] = {}
    people = []
    for slot, more in zip(slots, extra, strict=True):
        headcount = 1 + (1 if slot.leaf else 0) + more
        for position in range(headcount):
            is_leader = position == 0
            female = rng.random() < slot.female
            first = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
            last = rng.choices(surnames, cum_weights=cumulative)[0]
            middle = rng.choice(MIDDLE_NAMES) if rng.random() < 0.2 else ""
            name = " ".join(part for part in (first, middle, last) if part)
            no_email = slot.care and not is_leader and rng.random() < 0.10
            email = ""
            if not no_email:
                local = f"{ascii_fold(first)}.{ascii_fold(last)}"
                seen = used_emails.get(local, 0) + 1
                used_emails[local] = seen
                email = f"{local}{seen if seen > 1 else ''}@{domain}"
            people.append(
                DemoPerson(
                    external_id=f"M{len(people) + 1:05d}",
                    name=name,
                    email=email,
                    unit=slot.unit.external_id,
                    is_leader=is_leader,
                )
            )
    return tuple(people)
