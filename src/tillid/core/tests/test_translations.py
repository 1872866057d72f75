"""Every user-facing string has a Danish translation, in every app's catalogue.

Danish is the default language, so an untranslated msgid shows English to a
Danish user. The first test reads the committed catalogues; the second
extracts the msgids from the code again (as `make messages` would) and checks
that the catalogues are not behind the code.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

APPS_DIR = Path(__file__).resolve().parents[2]
APPS = ["core", "organisation", "governance", "compass", "trials", "delegation", "overview"]
MANAGE = APPS_DIR.parent.parent / "manage.py"


def parse_po(path: Path) -> list[dict]:
    """A small .po reader: entries with msgid, plural, msgstrs and flags."""
    entries, entry, field = [], None, None

    def unquote(text: str) -> str:
        return (
            bytes(text.strip()[1:-1], "utf-8")
            .decode("unicode_escape")
            .encode("latin-1")
            .decode("utf-8")
        )

    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if entry is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgid": "", "plural": None, "msgstr": {}, "obsolete": False}
        if line.startswith("#~"):
            entry["obsolete"] = True
            continue
        if line.startswith("#,"):
            entry["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgid_plural|msgid|msgstr\[(\d+)\]|msgstr|msgctxt)\s+(\".*\")$", line)
        if match:
            key, index, text = match.groups()
            if key == "msgid":
                field = ("msgid", None)
            elif key == "msgid_plural":
                field = ("plural", None)
            elif key == "msgctxt":
                field = ("ctx", None)
            else:
                field = ("msgstr", int(index) if index is not None else 0)
            value = unquote(text)
        elif line.startswith('"'):
            value = unquote(line)
        else:
            continue
        name, index = field
        if name == "msgstr":
            entry["msgstr"][index] = entry["msgstr"].get(index, "") + value
        elif name == "ctx":
            entry["ctx"] = entry.get("ctx", "") + value
        else:
            entry[name] = (entry[name] or "") + value
    return [e for e in entries if e["msgid"] and not e["obsolete"]]


def catalogues(language: str) -> list[Path]:
    return [
        APPS_DIR / app / "locale" / language / "LC_MESSAGES" / "django.po"
        for app in APPS
        if (APPS_DIR / app / "locale" / language / "LC_MESSAGES" / "django.po").exists()
    ]


def apps_with_text() -> list[str]:
    return [
        app
        for app in APPS
        if (APPS_DIR / app).exists()
        and any(
            "gettext" in p.read_text(encoding="utf-8")
            or "{% translate" in p.read_text(encoding="utf-8")
            or "{% blocktranslate" in p.read_text(encoding="utf-8")
            for p in (APPS_DIR / app).rglob("*")
            if p.suffix in {".py", ".html", ".txt"} and "tests" not in p.parts and p.is_file()
        )
    ]


def test_every_app_with_text_has_danish_and_english_catalogues():
    missing = [
        f"{app}/locale/{lang}"
        for app in apps_with_text()
        for lang in ("da", "en")
        if not (APPS_DIR / app / "locale" / lang / "LC_MESSAGES" / "django.po").exists()
    ]
    assert not missing, f"catalogues missing: {missing}"


@pytest.mark.parametrize("path", catalogues("da"), ids=lambda p: p.parts[-5])
def test_danish_catalogue_is_complete_and_not_fuzzy(path):
    problems = []
    for entry in parse_po(path):
        label = entry["msgid"][:60]
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {label}")
        expected = 2 if entry["plural"] is not None else 1
        strings = [entry["msgstr"].get(i, "") for i in range(expected)]
        if not all(s.strip() for s in strings):
            problems.append(f"untranslated: {label}")
    assert not problems, f"{path}:\n" + "\n".join(problems)


@pytest.mark.parametrize("app", [a for a in APPS if (APPS_DIR / a / "locale" / "da").exists()])
def test_danish_catalogue_is_not_behind_the_code(app, tmp_path):
    """Extract msgids from a copy of the app and compare with the committed catalogue."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (Debian package gettext) is not installed")
    copy = tmp_path / app
    shutil.copytree(
        APPS_DIR / app,
        copy,
        ignore=shutil.ignore_patterns("tests", "locale", "__pycache__", "migrations", "static"),
    )
    (copy / "locale").mkdir()
    subprocess.run(
        [
            sys.executable,
            str(MANAGE),
            "makemessages",
            "-l",
            "da",
            "--no-location",
            "--verbosity",
            "0",
        ],
        cwd=copy,
        check=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "tillid.settings",
            "TILLID_TESTING": "1",
        },
    )
    fresh = {e["msgid"] for e in parse_po(copy / "locale" / "da" / "LC_MESSAGES" / "django.po")}
    committed = {
        e["msgid"] for e in parse_po(APPS_DIR / app / "locale" / "da" / "LC_MESSAGES" / "django.po")
    }
    missing = sorted(fresh - committed)
    assert not missing, (
        f"{app}: {len(missing)} msgid(s) not in the Danish catalogue (run `make messages` "
        f"and translate): {missing[:15]}"
    )


def test_each_text_reads_as_its_own_catalogue_says():
    """What a Danish user sees is what the app's catalogue says.

    Django merges every catalogue into one and the first app in
    INSTALLED_APPS wins (Django's own apps come first), so a msgid that two
    catalogues translate differently shows one of them everywhere: "Administration"
    became Django admin's word instead of the track's. One text, one translation;
    give a word with two meanings a msgctxt.
    """
    from django.utils import translation

    clashes = []
    with translation.override("da"):
        for path in catalogues("da"):
            app = path.parts[-5]
            for entry in parse_po(path):
                if entry["plural"] is not None:
                    continue
                expected = entry["msgstr"].get(0, "")
                context = entry.get("ctx")
                shown = (
                    translation.pgettext(context, entry["msgid"])
                    if context
                    else translation.gettext(entry["msgid"])
                )
                if shown != expected:
                    clashes.append(f"{app}: {entry['msgid'][:50]!r} -> {shown!r}, not {expected!r}")
    assert not clashes, f"{len(clashes)} text(s) read otherwise:\n" + "\n".join(clashes[:40])


# Words that are English and never Danish. A Danish text may quote a file's
# column names or a JSON value; those stand in quotes or contain "_" and are
# left out of the check.
ENGLISH_WORDS = frozenset(
    [
        "the",
        "and",
        "with",
        "of",
        "which",
        "should",
        "would",
        "from",
        "this",
        "that",
        "your",
        "you",
        "has",
        "been",
        "will",
        "what",
        "when",
        "where",
        "who",
        "these",
        "those",
        "their",
        "there",
        "about",
        "into",
        "than",
        "only",
        "also",
        "any",
        "each",
        "every",
        "could",
        "must",
        "might",
        "shall",
        "such",
        "very",
        "review",
        "reviews",
        "item",
        "items",
        "unit",
        "units",
        "hours",
        "minutes",
        "draft",
        "mushrooming",
        "standard",
        "cost",
        "model",
        "none",
    ]
)


def english_words(text: str) -> set[str]:
    text = re.sub(r"%\([^)]*\)[sdfi]|%[sd]|\{[^}]*\}|<[^>]+>|https?://\S+|&\w+;", " ", text)
    text = re.sub(r"»[^«]*«|“[^”]*”|\"[^\"]*\"|'[^']*'|\S*_\S*", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-zæøåÆØÅéÉ]+", text)} & ENGLISH_WORDS


@pytest.mark.parametrize("path", catalogues("da"), ids=lambda p: p.parts[-5])
def test_danish_catalogue_has_no_english_words(path):
    found = [
        f"{sorted(english_words(text))}: {text[:80]!r}"
        for entry in parse_po(path)
        for text in entry["msgstr"].values()
        if english_words(text)
    ]
    assert not found, f"{path}: English in Danish text:\n" + "\n".join(found)


def test_the_english_word_check_finds_english_and_spares_danish():
    assert english_words("Tegn på mushrooming") == {"mushrooming"}
    assert english_words("Review of the item") == {"review", "of", "the", "item"}
    assert not english_words("Notér en observation, og husk kolonnen unit_id og »true«.")


@pytest.mark.parametrize("path", catalogues("da"), ids=lambda p: p.parts[-5])
def test_danish_text_quotes_one_way(path):
    """One quotation style in Danish: »sådan«, not “sådan”."""
    found = [
        text[:80]
        for entry in parse_po(path)
        for text in entry["msgstr"].values()
        if any(mark in text for mark in "“”„")
    ]
    assert not found, f"{path}: quote with »…«:\n" + "\n".join(found)
