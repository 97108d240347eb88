"""CryoCare's own FHIR code systems and extensions: one place for their URIs.

The FHIR export codes what CryoCare records with these (RULES.md §3 and §4 codes, the app's scar
and measurement codes); no code of another system (SNOMED CT, LOINC) is claimed where CryoCare has
not been mapped to one. A CDS Hooks request may send conditions and medications in the same
systems; those are the only codings the engine reads (exchange.cds).
"""

BASE = "urn:cryocare:codesystem:"
CONDITION = BASE + "condition"  # RULES.md §3 patient conditions
MEDICATION = BASE + "medication"  # RULES.md §3 medication classes
ADVERSE_EVENT = BASE + "adverse-event"  # RULES.md §3 adverse events
BODY_SITE = BASE + "body-site"  # RULES.md §4
SCAR_MORPHOLOGY = BASE + "scar-morphology"
SCAR_CAUSE = BASE + "scar-cause"
OBSERVATION = BASE + "observation"  # the assessment's measures (below)
PROCEDURE = BASE + "procedure"
TECHNIQUE = BASE + "technique"
DOCUMENT_KIND = BASE + "document-kind"
MRN = "urn:cryocare:mrn"  # the identifier system of a patient's medical record number

EXTENSION = "urn:cryocare:extension:"
EXT_SCAR_CAUSE = EXTENSION + "scar-cause"
EXT_LATERALITY = EXTENSION + "laterality"
EXT_CRYOGEN = EXTENSION + "cryogen"
EXT_FREEZE_SECONDS = EXTENSION + "freeze-seconds"
EXT_CYCLES = EXTENSION + "freeze-thaw-cycles"
EXT_THAW_SECONDS = EXTENSION + "thaw-seconds"
EXT_APPLICATOR = EXTENSION + "applicator"

UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
ADVERSE_EVENT_OUTCOME = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"

# The assessment's measures as Observations: (code, display, model field or total, unit or None for a score).
MEASURES = [
    ("vss-vascularity", "Vancouver Scar Scale: vascularity (0–3)", "vss_vascularity", None),
    ("vss-pigmentation", "Vancouver Scar Scale: pigmentation (0–2)", "vss_pigmentation", None),
    ("vss-pliability", "Vancouver Scar Scale: pliability (0–5)", "vss_pliability", None),
    ("vss-height", "Vancouver Scar Scale: height (0–3)", "vss_height", None),
    ("vss-total", "Vancouver Scar Scale: total (0–13)", "vss_total", None),
    ("posas-observer-total", "POSAS 2.0 observer scale: total of six items (6–60)", "posas_observer_total", None),
    ("posas-patient-total", "POSAS 2.0 patient scale: total of six items (6–60)", "posas_patient_total", None),
    ("scar-length", "Scar length", "length_mm", "mm"),
    ("scar-width", "Scar width", "width_mm", "mm"),
    ("scar-height", "Scar height", "height_mm", "mm"),
]
