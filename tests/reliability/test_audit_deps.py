"""`.ci/audit_deps.py` without network: a stub pip-audit writes the report a real one would.

Proves the three outcomes: a finding fails (exit 1), a service that audited nothing is NOT a pass
(exit 3, loud line; pip-audit itself says "No known vulnerabilities found" then), a clean audit
passes; and the allow-list is handed to pip-audit and must explain each exception.
"""

import importlib.util
import json
import stat
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def audit_deps(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("audit_deps", ROOT / ".ci" / "audit_deps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    allowlist = tmp_path / "allow.txt"
    allowlist.write_text("# none\n", encoding="utf-8")
    monkeypatch.setattr(module, "ALLOWLIST", allowlist)
    monkeypatch.delenv("AUDIT_DEPS_ALLOW_UNREACHABLE", raising=False)

    def stub(report: dict | None, exit_code: int = 0):
        args_file = tmp_path / "args.txt"
        script = tmp_path / "pip-audit"
        body = json.dumps(report) if report is not None else ""
        script.write_text(
            "#!/usr/bin/env python3\nimport sys\n"
            f"open({str(args_file)!r}, 'w').write(' '.join(sys.argv[1:]))\n"
            "out = sys.argv[sys.argv.index('-o') + 1]\n"
            f"open(out, 'w').write({body!r})\n"
            f"sys.exit({exit_code})\n", encoding="utf-8")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
        monkeypatch.setattr(module, "PIP_AUDIT", script)
        return args_file

    module.stub = stub
    return module


def test_a_vulnerability_fails(audit_deps, capsys):
    audit_deps.stub({"dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [
            {"id": "PYSEC-2099-1", "fix_versions": ["5.2.9"]}]},
        {"name": "requests", "version": "2.34.2", "vulns": []}]}, exit_code=1)
    assert audit_deps.main() == 1
    assert "VULNÉRABILITÉ django 5.2.0 : PYSEC-2099-1" in capsys.readouterr().out


def test_nothing_audited_is_not_a_pass(audit_deps, capsys):
    audit_deps.stub({"dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"},
    ]})
    assert audit_deps.main() == audit_deps.UNREACHABLE
    assert "AUDIT DES DÉPENDANCES NON EFFECTUÉ" in capsys.readouterr().err


def test_service_error_is_loud_and_allowed_only_when_asked(audit_deps, capsys, monkeypatch):
    audit_deps.stub(None, exit_code=1)
    assert audit_deps.main() == audit_deps.UNREACHABLE
    monkeypatch.setenv("AUDIT_DEPS_ALLOW_UNREACHABLE", "1")
    assert audit_deps.main() == 0
    assert capsys.readouterr().err.count("NON EFFECTUÉ") == 2


def test_clean_audit_passes_and_allow_list_is_passed_on(audit_deps, capsys):
    audit_deps.ALLOWLIST.write_text(
        "PYSEC-2099-7  weasyprint  only its CLI reads URLs; we pass HTML strings "
        "(jusqu'au 2027-01-31)\n", encoding="utf-8")
    args = audit_deps.stub({"dependencies": [
        {"name": "django", "version": "5.2.8", "vulns": []}]})
    assert audit_deps.main() == 0
    assert "--ignore-vuln PYSEC-2099-7" in args.read_text()
    assert "1 paquet(s) vérifié(s)" in capsys.readouterr().out


def test_unexplained_exception_is_refused(audit_deps):
    audit_deps.ALLOWLIST.write_text("PYSEC-2099-7 weasyprint\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        audit_deps.main()
