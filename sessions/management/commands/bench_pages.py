"""`manage.py bench_pages` (the second half of `make bench`): the pages under load at a real clinic's size.

Against the database of DATABASE_URL (PostgreSQL; `make bench` names its own, `cryocare_bench`) it

1. creates the database and a clinic of `--patients` patients (`seed_scale`), unless the database
   already holds one seeded today with that many (`--reseed` forces a new one);
2. starts gunicorn (4 workers, DEBUG off) on 127.0.0.1, and logs in as the demo clinician;
3. for each page: warms it up, times it alone (one connection), then drives it with wrk at 20
   connections without pauses for a fixed time; the first page is a minimal Django view
   (`/health/`), the ceiling every page is compared with;
4. prints the table and writes it to docs/benchmarks.md, with the machine, the data size and the date.

Every response must be a 200: anything else (a redirect to the log-in page, an error) is counted
as an error, so a page can't look fast by failing.
"""

import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import django
import psycopg2
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate

from clinic.models import Clinic
from patients.demo import DEMO_PASSWORD
from patients.models import Patient, Scar, ScarAssessment
from sessions.facts import facts_for
from sessions.models import Appointment, TreatmentSession
from sessions.scale import MRN_PREFIX
from sessions.worklist import due_counts, due_scars

WORKERS = 4
CONNECTIONS = 20
ROTATE = 200  # patient and scar pages rotate over this many records

# wrk's script: rotates over the request list, counts every response that is not a 200, and
# prints one JSON line with the figures (latencies in microseconds).
WRK_SCRIPT = r"""
local requests, counter = {}, 0
local threads = {}
bad = 0  -- a global, so that done() can read each thread's count

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    local method, path, body = line:match("^(%S+) (%S+) ?(.*)$")
    local headers = {["Cookie"] = os.getenv("BENCH_COOKIE")}
    if method == "POST" then headers["Content-Type"] = "application/json" else body = nil end
    table.insert(requests, wrk.format(method, path, headers, body))
  end
  counter = math.random(#requests)
end

function request()
  counter = counter % #requests + 1
  return requests[counter]
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests_)
  local not_ok = 0
  for _, thread in ipairs(threads) do not_ok = not_ok + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %d, "p95": %d, "p99": %d, "not_200": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), not_ok, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Page:
    name: str
    requests: list[str]  # "METHOD PATH [BODY]" lines
    p95_ms: int | None = None  # target under load
    single_ms: int | None = None  # target for one request alone
    share: float | None = None  # target share of the ceiling


@dataclass
class Result:
    page: Page
    single_ms: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    share: float = 0.0

    def misses(self) -> list[str]:
        target = self.page
        missed = []
        if target.p95_ms and self.p95_ms >= target.p95_ms:
            missed.append(f"p95 {self.p95_ms:.0f} ms ≥ {target.p95_ms} ms")
        if target.single_ms and self.single_ms >= target.single_ms:
            missed.append(f"alone {self.single_ms:.0f} ms ≥ {target.single_ms} ms")
        if target.share and self.share < target.share:
            missed.append(f"{self.share:.1%} of the ceiling < {target.share:.0%}")
        if self.errors:
            missed.append(f"{self.errors} errors")
        return missed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _machine() -> str:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        model = platform.processor() or platform.machine()
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} cores ({model}){memory}, {platform.system()} {platform.release()}"


class Command(BaseCommand):
    help = "Measure the main pages under load (gunicorn, wrk) against a scaled PostgreSQL clinic."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=10_000)
        parser.add_argument("--seconds", type=int, default=10, help="load time per page (default 10)")
        parser.add_argument("--reseed", action="store_true", help="seed a new clinic even if one is there")
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "benchmarks.md"))
        parser.add_argument("--only", help="measure only the pages whose name contains this")

    def handle(self, *args, patients, seconds, reseed, output, only, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The page benchmark runs on PostgreSQL: set DATABASE_URL (make bench does).")
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed: `make system-deps` (as root) installs Debian's wrk.")
        self._database(patients=patients, reseed=reseed)
        pages = self._pages()
        if only:
            pages = [pages[0]] + [p for p in pages[1:] if only in p.name]
        with tempfile.TemporaryDirectory() as scratch:
            server = self._start(Path(scratch))
            try:
                cookie = self._log_in()
                results = [self._measure(page, cookie=cookie, seconds=seconds, scratch=Path(scratch)) for page in pages]
            finally:
                server.terminate()
                server.wait(timeout=30)
        ceiling = results[0].rps
        for result in results:
            result.share = result.rps / ceiling if ceiling else 0.0
        report = self._report(results, seconds=seconds)
        self.stdout.write(report)
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(report)
        self.stdout.write(self.style.SUCCESS(f"Written to {output}"))

    # -- the data --------------------------------------------------------------------------------

    def _database(self, *, patients: int, reseed: bool) -> None:
        """Create the database if needed; migrate; seed a clinic unless today's of that size is there."""
        params = connection.get_connection_params()
        name = params.pop("database", None) or settings.DATABASES["default"]["NAME"]
        connection.close()
        admin = psycopg2.connect(**{**params, "dbname": "postgres"})
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
            if exists and reseed:
                cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = False
            if not exists:
                cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        call_command("migrate", verbosity=0)
        today = Clinic.current().date_of()
        scaled = Patient.objects.filter(mrn__startswith=MRN_PREFIX)
        seeded_on = Appointment.objects.filter(patient__in=scaled).order_by("booked_at").values("booked_at").first()
        if scaled.count() == patients and seeded_on and seeded_on["booked_at"].date() == today:
            self.stdout.write(f"Using the clinic of {patients:,} patients seeded today in {name}.")
            return
        if scaled.exists():  # another size or another day: start again from an empty database
            connection.close()
            self._database(patients=patients, reseed=True)
            return
        self.stdout.write(f"Seeding a clinic of {patients:,} patients in {name} (about a minute per 10,000)...")
        call_command("seed_scale", patients=patients, stdout=self.stdout)

    def _pages(self) -> list[Page]:
        today = Clinic.current().date_of()
        scaled = Patient.objects.filter(mrn__startswith=MRN_PREFIX)
        patients = list(scaled.filter(scars__treatments__isnull=False).distinct().order_by("pk")[:ROTATE])
        scars = list(
            Scar.objects.filter(patient__in=scaled, treatments__isnull=False).distinct().order_by("pk")[:ROTATE]
        )
        # The busiest day and week of the past year: a full calendar.
        visits_per_day = dict(
            Appointment.objects.filter(starts_at__date__gte=today - timedelta(days=365))
            .annotate(day=TruncDate("starts_at"))
            .values_list("day")
            .annotate(n=Count("pk"))
        )
        visits_per_week: dict = {}
        for each_day, n in visits_per_day.items():
            monday = each_day - timedelta(days=each_day.weekday())
            visits_per_week[monday] = visits_per_week.get(monday, 0) + n
        day = max(visits_per_day, key=lambda d: (visits_per_day[d], d), default=today)
        week = max(visits_per_week, key=lambda d: (visits_per_week[d], d), default=today)
        family_names = sorted({p.family_name for p in patients})[:20]
        facts = facts_for(scar=scars[0], on_date=today, stage="schedule", technique="contact") if scars else {}
        facts = json.dumps(facts, separators=(",", ":"))
        return [
            Page("ceiling: minimal Django view `/health/`", ["GET /health/"]),
            Page("patient list `/patients/`", ["GET /patients/"], p95_ms=150, share=0.15),
            Page(
                "patient search by name `/patients/?q=`",
                [f"GET /patients/?q={urllib.parse.quote(n[:4])}" for n in family_names],
                p95_ms=150,
            ),
            Page("patient page", [f"GET /patients/{p.pk}/" for p in patients], p95_ms=150, share=0.15),
            Page("scar page", [f"GET /patients/scars/{s.pk}/" for s in scars], p95_ms=150),
            Page(
                f"day calendar ({visits_per_day.get(day, 0)} visits)",
                [f"GET /schedule/calendar/day/?date={day}"],
                p95_ms=150,
            ),
            Page(
                f"week calendar ({visits_per_week.get(week, 0)} visits)",
                [f"GET /schedule/calendar/week/?date={week}"],
                p95_ms=300,
            ),
            Page("worklist `/schedule/due/`", ["GET /schedule/due/"], p95_ms=300, single_ms=100),
            Page("worklist CSV `/schedule/due.csv`", ["GET /schedule/due.csv"], p95_ms=300, single_ms=100),
            Page("evaluate API (POST)", [f"POST /api/protocols/evaluate {facts}"], p95_ms=150),
            # Pages of later apps, named by their paths only (outcomes, exchange).
            Page("scar progress (chart, summary)", [f"GET /patients/scars/{s.pk}/progress/" for s in scars]),
            Page("reports, this quarter `/reports/`", ["GET /reports/"]),
            Page(
                "reports, last 12 months",
                [f"GET /reports/?start={today - timedelta(days=365):%Y-%m-%d}&end={today:%Y-%m-%d}"],
            ),
            Page("FHIR export of a patient", [f"GET /patients/{p.pk}/fhir/" for p in patients]),
        ]

    # -- the server --------------------------------------------------------------------------------

    def _start(self, scratch: Path) -> subprocess.Popen:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "bench-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on a local port, as the load tool speaks it
            "SECURE_HSTS_SECONDS": "0",
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "LOG_LEVEL": "ERROR",
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            env=env,
            check=True,
            cwd=settings.BASE_DIR,
        )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "cryocare.wsgi:application", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}"],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=(scratch / "gunicorn.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{self.base}/health/", timeout=2).read()
                return server
            except OSError:
                if server.poll() is not None:
                    raise CommandError(f"gunicorn stopped: {(scratch / 'gunicorn.log').read_text()[-2000:]}") from None
                time.sleep(0.2)
        server.terminate()
        raise CommandError("gunicorn did not answer on /health/ within 20 s.")

    def _log_in(self) -> str:
        """Log in as the demo clinician through the log-in form; returns the Cookie header."""
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{self.base}/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"username": "clinician", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        request = urllib.request.Request(f"{self.base}/accounts/login/", data=data, headers={"Referer": self.base})
        opener.open(request).read()
        cookies = {c.name: c.value for c in jar}
        if "sessionid" not in cookies:
            raise CommandError("Could not log in as the demo clinician.")
        return "; ".join(f"{name}={value}" for name, value in cookies.items())

    # -- the measurement -----------------------------------------------------------------------------

    def _wrk(self, page: Page, *, cookie: str, connections: int, seconds: int, scratch: Path) -> dict:
        script = scratch / "bench.lua"
        script.write_text(WRK_SCRIPT)
        requests = scratch / "requests.txt"
        requests.write_text("\n".join(page.requests) + "\n")
        command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
        finished = subprocess.run(
            [*command, "-s", str(script), self.base],
            env={**os.environ, "BENCH_COOKIE": cookie, "BENCH_REQUESTS": str(requests)},
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((ln for ln in finished.stdout.splitlines() if ln.startswith("{")), None)
        if line is None:
            raise CommandError(f"wrk gave no figures for {page.name}: {finished.stdout}{finished.stderr}")
        return json.loads(line)

    def _measure(self, page: Page, *, cookie: str, seconds: int, scratch: Path) -> Result:
        self.stdout.write(f"  {page.name} ...")
        self._wrk(page, cookie=cookie, connections=1, seconds=1, scratch=scratch)  # warm-up
        alone = self._wrk(page, cookie=cookie, connections=1, seconds=3, scratch=scratch)
        load = self._wrk(page, cookie=cookie, connections=CONNECTIONS, seconds=seconds, scratch=scratch)
        self._drain()
        errors = load["not_200"] + load["socket_errors"] + alone["not_200"] + alone["socket_errors"]
        return Result(
            page=page,
            single_ms=alone["p50"] / 1000,
            rps=load["requests"] / load["seconds"],
            p50_ms=load["p50"] / 1000,
            p95_ms=load["p95"] / 1000,
            p99_ms=load["p99"] / 1000,
            errors=errors,
        )

    def _drain(self) -> None:
        """Wait until the requests still queued when wrk stopped are served, before the next page."""
        for _ in range(100):
            started = time.perf_counter()
            urllib.request.urlopen(f"{self.base}/health/", timeout=30).read()
            if time.perf_counter() - started < 0.02:
                return
            time.sleep(0.2)

    # -- the report ----------------------------------------------------------------------------------

    def _data_size(self) -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database())), current_setting('server_version')"
            )
            size, version = cursor.fetchone()
        counts = {
            "patients": Patient.objects.count(),
            "scars": Scar.objects.count(),
            "assessments": ScarAssessment.objects.count(),
            "sessions": TreatmentSession.objects.count(),
            "visits": Appointment.objects.count(),
        }
        due = due_counts(due_scars(today=Clinic.current().date_of()))
        return (
            ", ".join(f"{value:,} {name}" for name, value in counts.items())
            + f"; {sum(due.values()):,} scars on the worklist; PostgreSQL {version}, {size}"
        )

    def _report(self, results: list[Result], *, seconds: int) -> str:
        lines = [
            "# Page benchmark",
            "",
            "Written by `make bench` (`manage.py bench_pages`); the figures below are from its last run.",
            "",
            f"- Date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
            f"- Machine: {_machine()}",
            f"- Data: {self._data_size()}",
            f"- Server: gunicorn, {WORKERS} sync workers, DEBUG off, on 127.0.0.1; Python {platform.python_version()}, "
            f"Django {django.get_version()}",
            f"- Load: wrk, {CONNECTIONS} connections without pauses, {seconds} s per page; before it, after a "
            "1 s warm-up, *alone* is the median of 3 s at one connection. "
            "Every response that is not a 200 counts as an error.",
            "",
            "| page | alone | req/s | p50 | p95 | p99 | errors | share of the ceiling | target |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for result in results:
            target = []
            if result.page.single_ms:
                target.append(f"alone < {result.page.single_ms} ms")
            if result.page.p95_ms:
                target.append(f"p95 < {result.page.p95_ms} ms")
            if result.page.share:
                target.append(f"≥ {result.page.share:.0%} of the ceiling")
            verdict = ""
            if target:
                misses = result.misses()
                verdict = ", ".join(target) + (": **missed** (" + "; ".join(misses) + ")" if misses else ": met")
            lines.append(
                f"| {result.page.name} | {result.single_ms:.1f} ms | {result.rps:,.0f} | {result.p50_ms:.0f} ms | "
                f"{result.p95_ms:.0f} ms | {result.p99_ms:.0f} ms | {result.errors} | {result.share:.1%} | {verdict} |"
            )
        missed = [r for r in results if r.misses()]
        lines += [
            "",
            f"Targets met: {len(results) - 1 - len(missed)} of {len(results) - 1} pages."
            + ("" if not missed else " Missed: " + "; ".join(r.page.name for r in missed) + "."),
            "",
        ]
        return "\n".join(lines)
