"""Records the outcome tests build: an assessment with a given VSS and size."""

from patients.tests.factories import ScarAssessmentFactory


def assess(scar, user, on, vss, size=(40, 6, 3), **extra):
    """An assessment of `scar` on `on` with VSS (vascularity, pigmentation, pliability, height) and
    size (length, width, height) in mm."""
    vascularity, pigmentation, pliability, height = vss
    length, width, height_mm = size
    return ScarAssessmentFactory(
        scar=scar,
        assessor=user,
        assessed_on=on,
        vss_vascularity=vascularity,
        vss_pigmentation=pigmentation,
        vss_pliability=pliability,
        vss_height=height,
        length_mm=length,
        width_mm=width,
        height_mm=height_mm,
        **extra,
    )
