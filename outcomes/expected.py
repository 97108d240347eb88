"""RULES.md §7, the expected course: shown to the clinician as guidance, never enforced.

One place for the section's figures, picked for a scar's morphology and technique. Each line
names its sources (RULES.md "Sources"), as the rule catalogue does.
"""

from typing import NamedTuple

from protocols.codes import Morphology, Technique


class Guidance(NamedTuple):
    text: str
    sources: tuple[str, ...]


MORPHOLOGY = {
    Morphology.HYPERTROPHIC: Guidance(
        "Hypertrophic scars respond better than keloids: 76% good or excellent results, against 51% for keloids.",
        ("S7",),
    ),
    Morphology.KELOID: Guidance(
        "Keloids respond less well than hypertrophic scars: 51% good or excellent results, against 76%.", ("S7",)
    ),
}
SESSIONS = Guidance("Three or more sessions do far better than one or two: 79% against 33% good or excellent.", ("S7",))
YOUNGER_SMALLER = Guidance("Younger and smaller scars do better.", ("S9",))
KELOID_CONTACT = Guidance("Keloids treated by contact typically take a median of 3 sessions (range 1 to 9).", ("S8",))
INTRALESIONAL = Guidance(
    "Intralesional cryotherapy is usually one session, with a 51–63% reduction in volume.", ("S1", "S2")
)


def expected_course(morphology: str, technique: str) -> list[Guidance]:
    """What RULES.md §7 says that concerns a scar of this morphology treated by this technique."""
    lines = []
    if morphology in MORPHOLOGY:
        lines.append(MORPHOLOGY[morphology])
    if technique == Technique.INTRALESIONAL:
        lines.append(INTRALESIONAL)
    else:
        if morphology == Morphology.KELOID and technique == Technique.CONTACT:
            lines.append(KELOID_CONTACT)
        lines.append(SESSIONS)
    lines.append(YOUNGER_SMALLER)
    return lines
