"""The pure engine modules import no Django app module: they run without settings or a database."""

import json
import subprocess
import sys
from pathlib import Path

PURE = {"protocols", "protocols.engine", "protocols.rules", "protocols.codes", "protocols.window", "protocols.limits"}
PROJECT_PACKAGES = {"clinic", "cryocare", "documents", "patients", "protocols", "sessions"}

_SCRIPT = """
import json, sys
import protocols.engine, protocols.window, protocols.limits
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in {packages!r})))
"""


def test_the_engine_modules_load_alone_without_settings():
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(packages=PROJECT_PACKAGES)],
        cwd=Path(__file__).resolve().parents[2],
        env={"PATH": "", "PYTHONPATH": str(Path(__file__).resolve().parents[2])},  # no DJANGO_SETTINGS_MODULE
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) == PURE
