"""Demo data: users and about 30 realistic patients with scars and assessments.

Deterministic (a fixed random seed) and idempotent: users and patients are keyed by username and
medical record number, and anything that already exists is left as it is.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from patients.demo_photos import demo_photo_add
from patients.models import Consent, Patient, PatientCondition, PatientMedication, PregnancyStatus, Scar, ScarAssessment
from patients.roles import CLINIC_ADMIN, CLINICIAN

# Published in the README: only ever set where DEBUG is on (a developer's machine).
DEMO_PASSWORD = "cryocare-demo"


def demo_password(*, published: bool) -> str:
    """The published demo password, or a random one for a demo user on a server that is not a
    developer's machine (where a password everybody knows would open real patients' records)."""
    return DEMO_PASSWORD if published else secrets.token_urlsafe(12)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    is_staff: bool


DEMO_USERS = [
    DemoUser("clinician", "Ana", "Moreno", CLINICIAN, False),
    DemoUser("clinician2", "David", "Okafor", CLINICIAN, False),
    DemoUser("clinicadmin", "Claire", "Dubois", CLINIC_ADMIN, True),
]

# (given, family, sex, age, fitzpatrick, language, scenario)
PATIENTS = [
    ("Maria", "Garcia", "female", 34, 3, "es", "plain"),
    ("James", "Wilson", "male", 45, 2, "en", "plain"),
    ("Aisha", "Bello", "female", 28, 6, "en", "dark_skin"),
    ("Tom", "Becker", "male", 52, 2, "en", "raynaud"),
    ("Sofia", "Rossi", "female", 31, 3, "en", "pregnant"),
    ("Lucas", "Martin", "male", 16, 3, "en", "minor"),
    ("Emma", "Johansson", "female", 24, 1, "en", "isotretinoin"),
    ("Kwame", "Mensah", "male", 39, 5, "en", "keloid_earlobe"),
    ("Hannah", "Schmidt", "female", 61, 2, "en", "anticoagulant"),
    ("Carlos", "Fernandez", "male", 58, 4, "es", "diabetes_leg"),
    ("Yuki", "Tanaka", "female", 42, 3, "en", "cold_urticaria"),
    ("Peter", "Novak", "male", 67, 2, "en", "cryoglobulinemia"),
    ("Lena", "Kowalski", "female", 36, 2, "en", "site_infection"),
    ("Omar", "Haddad", "male", 29, 4, "en", "diagnosis_uncertain"),
    ("Grace", "Nwosu", "female", 33, 5, "en", "no_consent"),
    ("Daniel", "Murphy", "male", 48, 1, "en", "atrophic"),
    ("Isabel", "Santos", "female", 27, 3, "es", "pregnancy_unknown"),
    ("Ahmed", "Karimi", "male", 35, 4, "en", "immunosuppressant"),
    ("Chloe", "Bernard", "female", 22, 2, "en", "young_scar"),
    ("Mateo", "Lopez", "male", 41, 3, "es", "scalp"),
    ("Nora", "Lindqvist", "female", 55, 1, "en", "forehead"),
    ("Samuel", "Adeyemi", "male", 30, 6, "en", "bulky_keloid"),
    ("Julia", "Weber", "female", 47, 2, "en", "periorbital"),
    ("Ravi", "Patel", "male", 38, 4, "en", "plain"),
    ("Elena", "Popescu", "female", 44, 3, "en", "autoimmune"),
    ("Liam", "O'Brien", "male", 26, 1, "en", "plain"),
    ("Fatima", "Zahra", "female", 32, 4, "es", "plain"),
    ("George", "Clark", "male", 71, 2, "en", "pvd"),
    ("Mia", "Hoffmann", "female", 19, 2, "en", "plain"),
    ("Diego", "Ramirez", "male", 50, 3, "es", "plain"),
]

SITES = ["abdomen", "chest", "presternal", "upper_arm", "shoulder", "upper_back", "forearm", "neck", "thigh"]
SCENARIO_SITE = {
    "keloid_earlobe": "earlobe",
    "diabetes_leg": "lower_leg",
    "pvd": "ankle",
    "scalp": "scalp",
    "forehead": "forehead",
    "periorbital": "periorbital",
    "bulky_keloid": "presternal",
}
SCENARIO_CONDITIONS = {
    "raynaud": ["raynaud"],
    "cold_urticaria": ["cold_urticaria"],
    "cryoglobulinemia": ["cryoglobulinemia"],
    "diabetes_leg": ["diabetes"],
    "autoimmune": ["autoimmune_connective_tissue_disease"],
    "pvd": ["peripheral_vascular_disease"],
}


def _years_ago(today: date, years: int, rng: random.Random) -> date:
    return date(today.year - years, rng.randint(1, 12), rng.randint(1, 28)) - timedelta(days=rng.randint(0, 200))


@transaction.atomic
def _consent_for_demo(patient: Patient, clinician) -> Consent:
    """The demo patient's signed consent, covering every technique (the scars are added one by one)."""
    consent, _ = Consent.objects.get_or_create(
        patient=patient,
        signed_on=patient.consent_date,
        defaults={
            "text_version": patient.consent_version,
            "covers_spray": True,
            "covers_contact": True,
            "covers_intralesional": True,
            "recorded_by": clinician,
        },
    )
    return consent


def seed_demo(*, today: date, published_password: bool = True) -> dict:
    """Create what is missing of the demo data set; returns counts of what was created and the
    password of each user created (the published one, or a random one per user)."""
    created = {"users": 0, "patients": 0, "passwords": {}}
    User = get_user_model()
    users = {}
    for spec in DEMO_USERS:
        user, made = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "email": f"{spec.username}@example.org",  # for the daily digest
                "is_staff": spec.is_staff,
            },
        )
        if made:
            password = demo_password(published=published_password)
            user.set_password(password)
            user.save(update_fields=["password"])
            created["passwords"][spec.username] = password
            user.groups.add(Group.objects.get_or_create(name=spec.role)[0])
            created["users"] += 1
        users[spec.username] = user
    clinician = users["clinician"]

    rng = random.Random(20260101)
    for index, (given, family, sex, age, fitz, lang, scenario) in enumerate(PATIENTS, start=1):
        mrn = f"DEMO-{index:04d}"
        # Draw the same random numbers whether or not the patient exists, so that a partly
        # seeded database gets exactly the same remaining patients.
        plan = _plan(rng, today, age, scenario)
        if Patient.objects.filter(mrn=mrn).exists():
            continue
        _create_patient(mrn, given, family, sex, fitz, lang, scenario, plan, clinician, today)
        created["patients"] += 1
    return created


def _demo_posas(vss_total: int, pain: int, itch: int) -> dict:
    """POSAS 2.0 scores in step with the demo VSS (1–10 each): the observer's follow the VSS, the
    patient's also the recorded pain and itch."""
    observer = max(1, min(10, 1 + round(vss_total * 9 / 13)))
    scores = {f"posas_obs_{item}": max(1, min(10, observer + shift)) for item, shift in _OBSERVER_SHIFTS.items()}
    scores |= {f"posas_pt_{item}": max(1, min(10, observer + shift)) for item, shift in _PATIENT_SHIFTS.items()}
    scores["posas_pt_pain"] = max(1, min(10, pain or 1))
    scores["posas_pt_itching"] = max(1, min(10, itch or 1))
    scores["posas_obs_overall"] = observer
    scores["posas_pt_overall"] = observer
    return scores


_OBSERVER_SHIFTS = {
    "vascularity": 0,
    "pigmentation": -1,
    "thickness": 1,
    "relief": 0,
    "pliability": 1,
    "surface_area": -1,
}
_PATIENT_SHIFTS = {"colour": 0, "stiffness": 1, "thickness": 1, "irregularity": 0}


def _plan(rng: random.Random, today: date, age: int, scenario: str) -> dict:
    birth = _years_ago(today, age, rng)
    scar_count = 2 if rng.random() < 0.3 else 1
    scars = []
    for n in range(scar_count):
        site = SCENARIO_SITE.get(scenario) if n == 0 else None
        site = site or rng.choice(SITES)
        if scenario == "anticoagulant" and n == 0:
            # A forehead scar on a blood thinner: the sheets' headache, blood-blister and pain advice.
            # Set after the draw so that the other demo patients stay as they were.
            site = "forehead"
        onset = today - timedelta(days=rng.randint(400, 2500))
        if scenario == "young_scar" and n == 0:
            onset = today - timedelta(days=95)
        morphology = (
            "keloid" if scenario in ("keloid_earlobe", "bulky_keloid") or rng.random() < 0.25 else "hypertrophic"
        )
        if scenario == "atrophic" and n == 0:
            morphology = "atrophic"
        first = today - timedelta(days=rng.randint(20, 330))
        assessments = []
        vss = [rng.randint(1, 3), rng.randint(0, 2), rng.randint(2, 5), rng.randint(1, 3)]
        length = rng.randint(10, 90)
        height = rng.choice([2, 3, 4, 6]) if scenario != "bulky_keloid" else 8
        day = first
        while day <= today and len(assessments) < 4:
            assessments.append({"date": day, "vss": list(vss), "length": length, "height": height})
            # Each later assessment shows some improvement.
            vss[2] = max(2, vss[2] - rng.randint(0, 1))
            vss[3] = max(1, vss[3] - rng.randint(0, 1))
            height = max(1, height - rng.randint(0, 1))
            day = day + timedelta(days=rng.randint(28, 60))
        scars.append(
            {
                "site": site,
                "onset": onset,
                "morphology": morphology,
                "assessments": assessments,
                "laterality": rng.choice(["left", "right", "midline"]),
                "cause": rng.choice(["surgical", "traumatic", "burn", "acne", "piercing"]),
                "width": rng.randint(3, 15),
                "pain": rng.randint(0, 6),
                "itch": rng.randint(0, 8),
            }
        )
    return {"birth": birth, "scars": scars, "phone": f"+44 20 7946 {rng.randint(0, 9999):04d}"}


def _create_patient(mrn, given, family, sex, fitz, lang, scenario, plan, clinician, today) -> None:
    pregnancy = PregnancyStatus.NO if sex == "female" else PregnancyStatus.UNKNOWN
    if scenario == "pregnant":
        pregnancy = PregnancyStatus.YES
    if scenario == "pregnancy_unknown":
        pregnancy = PregnancyStatus.UNKNOWN
    patient = Patient.objects.create(
        mrn=mrn,
        given_name=given,
        family_name=family,
        birth_date=plan["birth"],
        sex=sex,
        fitzpatrick=fitz,
        phone=plan["phone"],
        email=f"{given.lower()}.{family.lower().replace(chr(39), '')}@example.org",
        preferred_language=lang,
        email_consent=True,
        pregnancy_status=pregnancy,
        pregnancy_confirmed_on=today - timedelta(days=10) if pregnancy != PregnancyStatus.UNKNOWN else None,
        consent_date=None if scenario == "no_consent" else today - timedelta(days=330),
        consent_version="" if scenario == "no_consent" else "CRYO-CONSENT-2025.1",
    )
    for code in SCENARIO_CONDITIONS.get(scenario, []):
        PatientCondition.objects.create(patient=patient, code=code, onset_date=plan["birth"] + timedelta(days=365 * 30))
    if scenario == "isotretinoin":
        PatientMedication.objects.create(
            patient=patient,
            code="isotretinoin",
            drug_name="isotretinoin 20 mg",
            started_on=today - timedelta(days=400),
            stopped_on=today - timedelta(days=120),
        )
    if scenario == "anticoagulant":
        PatientMedication.objects.create(
            patient=patient,
            code="anticoagulant",
            drug_name="apixaban 5 mg twice daily",
            started_on=today - timedelta(days=700),
        )
    if scenario == "immunosuppressant":
        PatientMedication.objects.create(
            patient=patient,
            code="immunosuppressant",
            drug_name="methotrexate 15 mg weekly",
            started_on=today - timedelta(days=500),
        )
    for n, spec in enumerate(plan["scars"]):
        scar = Scar.objects.create(
            patient=patient,
            body_site=spec["site"],
            laterality=spec["laterality"],
            morphology=spec["morphology"],
            cause=spec["cause"],
            onset_date=spec["onset"],
            goal="both",
        )
        if patient.consent_date:
            _consent_for_demo(patient, clinician).scars.add(scar)
        for i, a in enumerate(spec["assessments"]):
            latest = i == len(spec["assessments"]) - 1
            findings = []
            if latest and n == 0 and scenario == "site_infection":
                findings = ["active_infection"]
            vss_total = sum(a["vss"])
            assessment = ScarAssessment.objects.create(
                scar=scar,
                assessed_on=a["date"],
                assessor=clinician,
                length_mm=Decimal(a["length"]),
                width_mm=Decimal(spec["width"]),
                height_mm=Decimal(a["height"]),
                vss_vascularity=a["vss"][0],
                vss_pigmentation=a["vss"][1],
                vss_pliability=a["vss"][2],
                vss_height=a["vss"][3],
                pain_score=spec["pain"],
                itch_score=spec["itch"],
                site_findings=findings,
                diagnosis_uncertain=scenario == "diagnosis_uncertain" and n == 0,
                notes="Baseline assessment." if i == 0 else "",
                **_demo_posas(vss_total, spec["pain"], spec["itch"]),
            )
            if n == 0:
                demo_photo_add(assessment, fitz, clinician)
