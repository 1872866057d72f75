"""How alike two governance titles are, for Danish (pure Python).

Mushrooming shows up as the same demand registered twice under different
words (Bentzen 2018: governance added without the old being reviewed):
"Ugentlig optælling af medicinbeholdning" and "Ugentlig medicinoptælling".
Two things make Danish titles hard to compare letter by letter: inflection
("optælling", "optællingen", "optællinger") and compounds written as one
word ("medicin" + "optælling"). So a title becomes its content words, each
reduced to its stem by the Snowball Danish stemmer (the `snowballstemmer`
package), and then the character trigrams of those stems; two titles are
compared by the Dice coefficient of their trigrams, which finds the parts of
a compound inside a longer word. The threshold is set by the pairs in
`tests/test_similarity.py` that should and should not match.
"""

import re
from collections import Counter, defaultdict
from functools import cache

import snowballstemmer

# Words that say nothing about what a demand is.
STOPWORDS = frozenset(
    [
        "af",
        "alle",
        "at",
        "de",
        "den",
        "der",
        "det",
        "efter",
        "eller",
        "en",
        "er",
        "et",
        "for",
        "fra",
        "har",
        "hver",
        "i",
        "ikke",
        "med",
        "og",
        "om",
        "over",
        "på",
        "samt",
        "skal",
        "som",
        "til",
        "under",
        "ved",
    ]
)
THRESHOLD = 0.72
N = 3
# Trigrams shared by more titles than this carry no information for blocking.
COMMON = 200


@cache
def _stemmer():
    return snowballstemmer.stemmer("danish")


def content_words(title: str) -> list[str]:
    """The title's words without stopwords, each as its Danish stem."""
    words = re.findall(r"[0-9a-zæøåéü]+", title.lower())
    return _stemmer().stemWords([w for w in words if w not in STOPWORDS])


def trigrams(title: str) -> Counter:
    grams: Counter = Counter()
    for word in content_words(title):
        padded = f"<{word}>"
        for i in range(len(padded) - N + 1):
            grams[padded[i : i + N]] += 1
    return grams


def dice(a: Counter, b: Counter) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 0.0


def similarity(a: str, b: str) -> float:
    """0 (nothing in common) to 1 (the same content words)."""
    return dice(trigrams(a), trigrams(b))


def similar_pairs(
    titles: dict[int, str], *, threshold: float = THRESHOLD
) -> list[tuple[int, int, float]]:
    """Pairs of ids whose titles are at least `threshold` alike, most alike first.

    Only titles sharing a trigram that is not in almost every title are
    compared, so 20,000 items do not make 200 million comparisons.
    """
    grams = {pk: trigrams(title) for pk, title in titles.items()}
    index: dict[str, list[int]] = defaultdict(list)
    for pk, counter in grams.items():
        for gram in counter:
            index[gram].append(pk)
    candidates: set[tuple[int, int]] = set()
    for members in index.values():
        if len(members) > COMMON:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                candidates.add((a, b) if a < b else (b, a))
    found = []
    for a, b in candidates:
        score = dice(grams[a], grams[b])
        if score >= threshold:
            found.append((a, b, score))
    found.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return found
