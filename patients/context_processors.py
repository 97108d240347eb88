from patients.access import is_clinic_admin, is_clinician


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_clinician": False, "is_clinic_admin": False}
    return {"is_clinician": is_clinician(user), "is_clinic_admin": is_clinic_admin(user)}
