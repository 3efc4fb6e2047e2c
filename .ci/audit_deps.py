"""`make audit-deps`: pip-audit over requirements.lock, with an explained allow-list.

Exit 0: every pinned package was checked and none has a known vulnerability (besides the
allow-list). Exit 1: a vulnerability was found (or the allow-list is malformed). Exit 3: the
vulnerability service could not be reached, or checked none of the packages: this is NOT a
pass, and a loud line says so. pip-audit itself reports "No known vulnerabilities found" and
exits 0 when its PyPI service skips every package ("not found on PyPI"), as happens with a
package mirror that serves only /simple: this script counts the audited packages itself.
With AUDIT_DEPS_ALLOW_UNREACHABLE=1 (what .ci/run sets unless AUDIT_DEPS_REQUIRED=1), exit 3
becomes exit 0 after the same loud line.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = ROOT / ".ci" / "pip-audit-allowlist.txt"
PIP_AUDIT = ROOT / "var" / "audit-venv" / "bin" / "pip-audit"
LINE = re.compile(r"^(\S+)\s+(\S+)\s+(.+\(jusqu'au (\d{4}-\d{2}-\d{2})\))\s*$")
UNREACHABLE = 3


def allowed_ids() -> list[str]:
    ids = []
    for number, raw in enumerate(ALLOWLIST.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        if not match:
            sys.exit(f"audit-deps: {ALLOWLIST.name}:{number}: ID, paquet, raison et "
                     "« (jusqu'au AAAA-MM-JJ) » attendus")
        ids.append(match.group(1))
    return ids


def loud(message: str) -> None:
    bar = "!" * 78
    print(f"{bar}\n!!! {message}\n{bar}", file=sys.stderr)


def unreachable(reason: str) -> int:
    loud("AUDIT DES DÉPENDANCES NON EFFECTUÉ : " + reason)
    return 0 if os.environ.get("AUDIT_DEPS_ALLOW_UNREACHABLE") == "1" else UNREACHABLE


def main() -> int:
    ignore = [arg for vuln in allowed_ids() for arg in ("--ignore-vuln", vuln)]
    service = os.environ.get("AUDIT_DEPS_SERVICE", "pypi")
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        result = subprocess.run(
            [str(PIP_AUDIT), "-r", str(ROOT / "requirements.lock"), "--no-deps", "--disable-pip",
             "--progress-spinner", "off", "-s", service, "-f", "json", "-o", report.name,
             *ignore], capture_output=True, text=True, timeout=600)
        raw = Path(report.name).read_text(encoding="utf-8")
    try:
        dependencies = json.loads(raw)["dependencies"]
    except (ValueError, KeyError):
        last = (result.stderr.strip().splitlines() or ["?"])[-1][:200]
        return unreachable(f"pip-audit ({service}) n'a pas abouti : {last}")
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            print(f"VULNÉRABILITÉ {dep['name']} {dep['version']} : {vuln['id']} "
                  f"(corrigée en {', '.join(vuln.get('fix_versions') or ['?'])})")
    if vulnerable:
        print(f"audit-deps : ÉCHEC, {len(vulnerable)} paquet(s) vulnérable(s) ; corriger, ou "
              f"justifier dans {ALLOWLIST.name}.", file=sys.stderr)
        return 1
    if audited == 0:
        return unreachable(f"le service {service} n'a vérifié aucun des {len(dependencies)} "
                           f"paquets ({skipped[0]['skip_reason'][:80] if skipped else '?'})")
    if skipped:
        loud(f"audit partiel : {len(skipped)} paquet(s) non vérifié(s) : "
             + ", ".join(d["name"] for d in skipped))
    print(f"audit-deps : {audited} paquet(s) vérifié(s) ({service}), aucune vulnérabilité "
          f"connue hors liste d'exceptions ({len(ignore) // 2}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
