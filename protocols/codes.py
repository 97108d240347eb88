"""The coded vocabulary of RULES.md (§3 and §4), shared by the records and the engine.

Every code the application stores or the engine reads is declared here once, with the label
people see. Models use these as choices; the engine validates facts against them.
"""

from django.db import models


class Condition(models.TextChoices):
    COLD_URTICARIA = "cold_urticaria", "Cold urticaria"
    CRYOGLOBULINEMIA = "cryoglobulinemia", "Cryoglobulinaemia"
    CRYOFIBRINOGENEMIA = "cryofibrinogenemia", "Cryofibrinogenaemia"
    COLD_AGGLUTININ_DISEASE = "cold_agglutinin_disease", "Cold agglutinin disease"
    RAYNAUD = "raynaud", "Raynaud phenomenon"
    SEVERE_PERIPHERAL_CIRCULATION_DISORDER = (
        "severe_peripheral_circulation_disorder",
        "Severe peripheral circulation disorder",
    )
    CRYOTHERAPY_HYPERSENSITIVITY = "cryotherapy_hypersensitivity", "Hypersensitivity to cryotherapy"
    MULTIPLE_MYELOMA = "multiple_myeloma", "Multiple myeloma"
    IMMUNODEFICIENCY = "immunodeficiency", "Immunodeficiency"
    PYODERMA_GANGRENOSUM = "pyoderma_gangrenosum", "Pyoderma gangrenosum"
    AUTOIMMUNE_CONNECTIVE_TISSUE_DISEASE = (
        "autoimmune_connective_tissue_disease",
        "Autoimmune connective tissue disease",
    )
    DIABETES = "diabetes", "Diabetes"
    PERIPHERAL_VASCULAR_DISEASE = "peripheral_vascular_disease", "Peripheral vascular disease"
    BLEEDING_DISORDER = "bleeding_disorder", "Bleeding disorder"


class Medication(models.TextChoices):
    ANTICOAGULANT = "anticoagulant", "Anticoagulant"
    ANTIPLATELET = "antiplatelet", "Antiplatelet"
    IMMUNOSUPPRESSANT = "immunosuppressant", "Immunosuppressant"
    ISOTRETINOIN = "isotretinoin", "Isotretinoin"


class SiteFinding(models.TextChoices):
    ACTIVE_INFECTION = "active_infection", "Active infection"
    INFLAMMATION = "inflammation", "Inflammation"
    OPEN_WOUND = "open_wound", "Open wound"
    ACTIVE_SKIN_DISEASE = "active_skin_disease", "Active skin disease"


class AdverseEvent(models.TextChoices):
    BLISTER = "blister", "Blister"
    HEMORRHAGIC_BLISTER = "hemorrhagic_blister", "Haemorrhagic (blood-filled) blister"
    PAIN = "pain", "Pain"
    EDEMA = "edema", "Oedema"
    HYPOPIGMENTATION = "hypopigmentation", "Hypopigmentation"
    HYPERPIGMENTATION = "hyperpigmentation", "Hyperpigmentation"
    INFECTION = "infection", "Infection"
    DERMATITIS = "dermatitis", "Dermatitis"
    FROSTBITE = "frostbite", "Frostbite"
    ULCERATION = "ulceration", "Ulceration"
    URTICARIA = "urticaria", "Urticaria"
    HYPERSENSITIVITY = "hypersensitivity", "Hypersensitivity reaction"
    NERVE_INJURY = "nerve_injury", "Nerve injury"
    OTHER = "other", "Other"


class BodySite(models.TextChoices):
    SCALP = "scalp", "Scalp"
    FOREHEAD = "forehead", "Forehead"
    TEMPLE = "temple", "Temple"
    EYEBROW = "eyebrow", "Eyebrow"
    PERIORBITAL = "periorbital", "Around the eye"
    NOSE = "nose", "Nose"
    NASAL_ALA = "nasal_ala", "Side of the nostril"
    CHEEK = "cheek", "Cheek"
    LIP_VERMILION = "lip_vermilion", "Lip (red part)"
    PERIORAL = "perioral", "Around the mouth"
    CHIN = "chin", "Chin"
    BEARD_AREA = "beard_area", "Beard area"
    JAW = "jaw", "Jaw"
    EAR = "ear", "Ear"
    EARLOBE = "earlobe", "Earlobe"
    NECK = "neck", "Neck"
    NAPE = "nape", "Back of the neck"
    SHOULDER = "shoulder", "Shoulder"
    CHEST = "chest", "Chest"
    PRESTERNAL = "presternal", "Breastbone area"
    BREAST = "breast", "Breast"
    ABDOMEN = "abdomen", "Abdomen"
    UPPER_BACK = "upper_back", "Upper back"
    LOWER_BACK = "lower_back", "Lower back"
    UPPER_ARM = "upper_arm", "Upper arm"
    ELBOW = "elbow", "Elbow"
    FOREARM = "forearm", "Forearm"
    WRIST = "wrist", "Wrist"
    HAND = "hand", "Hand"
    FINGER = "finger", "Finger"
    HIP = "hip", "Hip"
    BUTTOCK = "buttock", "Buttock"
    GROIN = "groin", "Groin"
    GENITAL = "genital", "Genital area"
    THIGH = "thigh", "Thigh"
    KNEE = "knee", "Knee"
    LOWER_LEG = "lower_leg", "Lower leg"
    ANKLE = "ankle", "Ankle"
    FOOT = "foot", "Foot"
    TOE = "toe", "Toe"


# The Vancouver Scar Scale items and the highest score of each (each scores 0 to that number): the
# assessment records and the engine's facts validation both read this one declaration.
VSS_ITEM_MAX = {"vascularity": 3, "pigmentation": 2, "pliability": 5, "height": 3}

# Site groups read by rules (RULES.md §4).
HAIR_BEARING_SITES = frozenset({"scalp", "eyebrow", "beard_area"})
FOREHEAD_TEMPLE_SITES = frozenset({"forehead", "temple"})
DELICATE_SITES = frozenset({"periorbital", "nasal_ala", "lip_vermilion", "finger"})
BELOW_KNEE_SITES = frozenset({"lower_leg", "ankle", "foot", "toe"})


class Laterality(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    MIDLINE = "midline", "Midline"


class Morphology(models.TextChoices):
    HYPERTROPHIC = "hypertrophic", "Hypertrophic"
    KELOID = "keloid", "Keloid"
    ATROPHIC = "atrophic", "Atrophic"
    NORMOTROPHIC = "normotrophic", "Normotrophic"
    OTHER = "other", "Other"


class Cause(models.TextChoices):
    SURGICAL = "surgical", "Surgical"
    TRAUMATIC = "traumatic", "Traumatic"
    BURN = "burn", "Burn"
    ACNE = "acne", "Acne"
    PIERCING = "piercing", "Piercing"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Technique(models.TextChoices):
    SPRAY = "spray", "Spray"
    CONTACT = "contact", "Contact"
    INTRALESIONAL = "intralesional", "Intralesional"


class Stage(models.TextChoices):
    SCHEDULE = "schedule", "Scheduling"
    TREAT = "treat", "Treatment (check-in)"


class SessionStatus(models.TextChoices):
    """Statuses of a past session as the facts document carries them (RULES.md §2)."""

    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
