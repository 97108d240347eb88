from notifications.management.job_command import JobCommand


class Command(JobCommand):
    help = "Send visit reminders: each confirmed visit within the reminder time, to patients who agreed to e-mail."
    job = "reminders"
