"""Benchmark: importing a 45,000-person municipality file, and re-importing it unchanged.

Budgets (issue "Tillid runs"): the first import under 30 s, the unchanged
re-import under 15 s, on this machine. Both are measured end to end: reading
the workbook, checking every row, comparing with the database and writing
(with django-simple-history rows for every created unit and person). The
script exits with status 1 when a budget is exceeded.

The file is generated deterministically (--seed): one municipality, 7
administrations, areas, institutions and teams (about 3,500 units) and
45,000 people, 15-20 per team with a leader in every institution and team,
written as an Excel workbook (the format of the upload page; reading it is
slower than reading CSV) or as two CSV files with --format csv.

Baseline, measured in the same run: the naive import a developer would write
first, one row at a time through the ORM: `Unit.objects.update_or_create()`
per unit (looking up its parent with a query), then
`Person.objects.update_or_create()` per person (looking up the unit), with
history written by simple_history's post_save signal, row by row. It runs on
a sample of the same file (--sample random people, default 2,000, and the
units above them); its time per unit and per person is extrapolated to the
whole file. Re-importing the
sample unchanged gives the re-import baseline (update_or_create saves every
row again and writes a history row for each, so "unchanged" is not free).
The baseline is flattered: it runs in one transaction (rolled back
afterwards), so it pays no commit per row. The ratio printed is the
baseline's extrapolated time divided by the measured time.

Database: SQLite in a temporary file by default (with the same settings as
the product: WAL, IMMEDIATE transactions). --database-url postgres://...
runs on PostgreSQL: the script creates a scratch database named
<name>_bench next to the one in the URL, migrates it, and drops it at the end;
the database in the URL is not touched.

    .venv/bin/python bench/import_organisation.py [--format csv] [--database-url URL]
"""

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from scratch import setup_django  # noqa: E402 (bench/ is on the path)

IMPORT_BUDGET_S = 30.0
REIMPORT_BUDGET_S = 15.0

FIRST = [
    "Mette", "Lars", "Sofie", "Anders", "Hanne", "Peter", "Camilla", "Jens", "Louise",
    "Mads", "Karen", "Søren", "Ida", "Niels", "Birgitte", "Rasmus", "Anne", "Henrik",
    "Julie", "Ole", "Freja", "Emil", "Maja", "Frederik", "Signe", "Kasper", "Line",
]  # fmt: skip
LAST = [
    "Hansen", "Nielsen", "Jensen", "Pedersen", "Larsen", "Sørensen", "Rasmussen",
    "Jørgensen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen",
    "Johansen", "Møller", "Mortensen", "Østergaard", "Holm", "Kjær", "Bach", "Lund",
]  # fmt: skip
ADMINISTRATIONS = [
    "Social og Sundhed", "Børn og Unge", "Teknik og Miljø", "Kultur og Fritid",
    "Job og Arbejdsmarked", "Økonomi og Personale", "Borgerservice",
]  # fmt: skip


def generate(people_count: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    """Units and people of a municipality with about `people_count` people."""
    rng = random.Random(seed)
    units: list[list[str]] = [["K", "Benchmark Kommune", "", "kommune"]]
    teams: list[str] = []
    leads: list[str] = []
    for a, admin in enumerate(ADMINISTRATIONS):
        admin_id = f"F{a}"
        units.append([admin_id, admin, "K", "forvaltning"])
        leads.append(admin_id)
        for b in range(5):
            area_id = f"{admin_id}-O{b}"
            units.append([area_id, f"{admin} område {b + 1}", admin_id, "område"])
            leads.append(area_id)
            for c in range(18):
                inst_id = f"{area_id}-I{c}"
                units.append([inst_id, f"Institution {a}.{b}.{c}", area_id, "institution"])
                leads.append(inst_id)
                for d in range(4):
                    team_id = f"{inst_id}-T{d}"
                    units.append([team_id, f"Team {d + 1} ({a}.{b}.{c})", inst_id, "team"])
                    teams.append(team_id)
                    leads.append(team_id)
    people: list[list[str]] = []
    for unit_id in leads:
        people.append(_person(rng, len(people), unit_id, leader=True))
    while len(people) < people_count:
        people.append(_person(rng, len(people), rng.choice(teams), leader=False))
    return units, people


def _person(rng: random.Random, n: int, unit_id: str, *, leader: bool) -> list[str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    email = f"{first}.{last}.{n}@benchmark.dk".lower()
    email = email.replace("ø", "oe").replace("æ", "ae").replace("å", "aa")
    return [f"M{100000 + n}", f"{first} {last}", email, unit_id, "ja" if leader else "nej"]


def write_files(units, people, fmt: str) -> list[tuple[str, bytes]]:
    if fmt == "csv":
        import csv

        files = []
        for name, header, rows in (
            ("units.csv", ["external_id", "name", "parent_id", "kind"], units),
            ("people.csv", ["external_id", "name", "email", "unit_id", "is_leader"], people),
        ):
            buffer = io.StringIO()
            writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
            files.append((name, buffer.getvalue().encode("utf-8")))
        return files
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Enheder")
    sheet.append(["enheds_id", "navn", "overordnet_id", "enhedstype"])
    for row in units:
        sheet.append(row)
    sheet = workbook.create_sheet("Personer")
    sheet.append(["medarbejder_id", "navn", "e-mail", "enhed_id", "leder"])
    for row in people:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return [("organisation.xlsx", buffer.getvalue())]


def timed_import(files, *, dry_run=False):
    from tillid.organisation import services
    from tillid.organisation.importing import read_tables

    start, cpu = time.perf_counter(), time.process_time()
    tables, errors = read_tables(files)
    if errors:
        raise SystemExit(f"the generated file cannot be read: {errors[:3]}")
    result = services.import_organisation(tables=tables, dry_run=dry_run)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if not result.ok:
        raise SystemExit(f"the generated file was rejected: {result.errors[:3]}")
    return elapsed, cpu, result.report


KINDS = {
    "kommune": "municipality",
    "forvaltning": "administration",
    "område": "area",
    "institution": "institution",
    "team": "team",
}


def naive_units(units) -> None:
    """The baseline for units: one lookup and one update_or_create (and history row) each."""
    from tillid.organisation.models import Unit

    for external_id, name, parent_id, kind in units:
        parent = Unit.objects.get(external_id=parent_id) if parent_id else None
        Unit.objects.update_or_create(
            external_id=external_id,
            defaults={"name": name, "kind": KINDS[kind], "parent": parent, "is_active": True},
        )


def naive_people(people) -> None:
    from tillid.organisation.models import Person, Unit

    for external_id, name, email, unit_id, leader in people:
        Person.objects.update_or_create(
            external_id=external_id,
            defaults={
                "name": name,
                "email": email,
                "unit": Unit.objects.get(external_id=unit_id),
                "is_leader": leader == "ja",
                "is_active": True,
            },
        )


def baseline(units, people, sample: int, seed: int) -> tuple[float, float, int]:
    """The naive import and re-import of a sample, extrapolated to the whole file.

    Units and people are timed apart and each scaled by its own count, since
    the sample (random people and the units above them) has more units per
    person than the whole file.
    """
    from django.db import transaction

    rng = random.Random(seed)
    sample_people = sorted(rng.sample(people, min(sample, len(people))))
    needed = {p[3] for p in sample_people}
    by_id = {u[0]: u for u in units}
    for unit_id in list(needed):
        while by_id[unit_id][2]:
            unit_id = by_id[unit_id][2]
            needed.add(unit_id)
    sample_units = [u for u in units if u[0] in needed]  # file order: parents first

    def extrapolate(unit_seconds: float, people_seconds: float) -> float:
        return unit_seconds / len(sample_units) * len(units) + people_seconds / len(
            sample_people
        ) * len(people)

    times = []
    with transaction.atomic():
        for _run in ("import", "re-import"):
            start = time.perf_counter()
            naive_units(sample_units)
            middle = time.perf_counter()
            naive_people(sample_people)
            times.append(extrapolate(middle - start, time.perf_counter() - middle))
        transaction.set_rollback(True)
    return times[0], times[1], len(sample_units) + len(sample_people)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="postgres://… (default: SQLite in a temp file)")
    parser.add_argument("--people", type=int, default=45_000)
    parser.add_argument("--sample", type=int, default=2_000, help="people in the baseline sample")
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    description, cleanup = setup_django(args.database_url)
    try:
        units, people = generate(args.people, args.seed)
        files = write_files(units, people, args.format)
        rows = len(units) + len(people)
        size = sum(len(content) for _name, content in files)
        print(f"database: {description}")
        # Other work on the machine stretches wall-clock times; the load says how much.
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
        print(
            f"file: {args.format}, {len(units):,} units + {len(people):,} people "
            f"= {rows:,} rows, {size / 1e6:.1f} MB"
        )

        base_import, base_reimport, sample_rows = baseline(units, people, args.sample, args.seed)
        print(
            f"baseline (row-by-row ORM, {sample_rows:,}-row sample, extrapolated): "
            f"import {base_import:.1f} s, re-import {base_reimport:.1f} s"
        )

        first, first_cpu, report = timed_import(files)
        assert report["units"]["counts"]["added"] == len(units)
        assert report["people"]["counts"]["added"] == len(people)
        again, again_cpu, report = timed_import(files)
        assert report["changes"] == 0, report
        ok_first, ok_again = first < IMPORT_BUDGET_S, again < REIMPORT_BUDGET_S
        print(
            f"import:    {first:6.2f} s (cpu {first_cpu:5.2f} s)  {rows / first:9,.0f} rows/s  "
            f"budget {IMPORT_BUDGET_S:.0f} s  {'ok' if ok_first else 'OVER BUDGET'}  "
            f"ratio to baseline {base_import / first:.1f}x"
        )
        print(
            f"re-import: {again:6.2f} s (cpu {again_cpu:5.2f} s)  {rows / again:9,.0f} rows/s  "
            f"budget {REIMPORT_BUDGET_S:.0f} s  {'ok' if ok_again else 'OVER BUDGET'}  "
            f"ratio to baseline {base_reimport / again:.1f}x"
        )
        return 0 if ok_first and ok_again else 1
    finally:
        cleanup()


if __name__ == "__main__":
    sys.exit(main())
