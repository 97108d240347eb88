"""Content-Security-Policy on every page: no inline script, the sheets' inline style by nonce only."""

import re
from pathlib import Path

from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def test_pages_carry_a_policy_without_inline_script(clinician_client):
    policy = _policy(clinician_client.get(reverse("patients:list")))
    assert policy["script-src"] == "script-src 'self'"
    assert "unsafe" not in policy["style-src"] and "'nonce-" not in policy.get("script-src", "")
    assert policy["object-src"] == "object-src 'none'" and policy["frame-ancestors"] == "frame-ancestors 'none'"


def test_the_log_in_page_has_the_policy_too(client, db):
    assert "script-src 'self'" in client.get("/accounts/login/")["Content-Security-Policy"]


def test_no_template_has_inline_script_or_event_handlers():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        found += [f"{path.name}: inline <script>" for _ in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text)]
        found += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
        found += [f"{path.name}: javascript: URL" for _ in re.findall(r"javascript:", text)]
    assert found == []


def test_inline_styles_carry_the_requests_nonce(clinician_client):
    response = clinician_client.get("/d/not-a-valid-token-000/")
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()
