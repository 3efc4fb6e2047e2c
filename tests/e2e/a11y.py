"""Accessibility checks run on every page the e2e tests visit.

Two layers:
- axe-core (Deque, from the npm registry) injected by Playwright: every rule it runs by default
  (WCAG 2.0/2.1/2.2 A and AA plus best practices); violations of impact "serious" or "critical"
  fail the test. A JSON report per page goes to tests/e2e/screenshots/axe/ (see README.md,
  "Lire le rapport d'accessibilité").
- Our own RGAA checks that axe does not make: French `lang`, a meaningful <title> that starts
  with "Erreur" when a field is in error, one <h1>, and every field marked aria-invalid tied
  (aria-describedby) to a visible error text.

Problems are collected while a scenario runs and reported together by `assert_clean()`, so one
badly contrasted page does not hide what the rest of the walk would have found.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

FAILING_IMPACTS = ("serious", "critical")
PAGE_STATE_JS = """() => [document.querySelector('h1')?.textContent.trim() || '',
  document.querySelectorAll('[aria-invalid="true"], [role="alert"]').length].join('|')"""
AXE_RUN_JS = "async () => await axe.run(document, {resultTypes: ['violations']})"

# Runs in the page: the RGAA points axe-core leaves to us. Returns a list of French sentences.
PAGE_CHECKS_JS = """
() => {
  const problems = [];
  const lang = document.documentElement.getAttribute('lang') || '';
  if (!/^fr\\b/i.test(lang)) problems.push(`<html lang="${lang}"> : la langue doit être "fr".`);
  const title = (document.title || '').trim();
  if (title.length < 3 || /^[-–\\s]/.test(title))
    problems.push(`titre de page vide ou sans sujet : "${title}".`);
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) problems.push(`${h1} titres <h1> (il en faut un seul).`);
  const invalid = document.querySelectorAll('[aria-invalid="true"]');
  if (invalid.length && !/^Erreur/.test(title))
    problems.push(`champ en erreur mais le titre ne le dit pas : "${title}" (RGAA 8.6).`);
  for (const el of invalid) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
    const texts = ids.map(id => document.getElementById(id)).filter(Boolean)
      .map(n => n.textContent.trim()).filter(Boolean);
    if (!texts.length)
      problems.push(`champ ${el.name || el.id} en erreur sans message relié par aria-describedby.`);
  }
  return problems;
}
"""


@dataclass
class Auditor:
    """Runs axe-core and the page checks; keeps the problems found for `assert_clean()`."""

    axe_script: Path
    report_dir: Path
    test_name: str
    problems: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    seen: set[tuple] = field(default_factory=set)

    def check(self, page, step: str) -> list[dict]:
        """Audit the page as it is now; return axe's violations (all impacts).

        A page already audited by this test in the same state (same path, heading and errors,
        e.g. the login page met again) is not audited twice: axe takes about a second a page.
        """
        state = page.evaluate(PAGE_STATE_JS)
        key = (re.sub(r"\d+", "N", urlparse(page.url).path), state)
        if key in self.seen:
            return []
        self.seen.add(key)
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(self.axe_script))
        results = page.evaluate(AXE_RUN_JS)
        own = page.evaluate(PAGE_CHECKS_JS)
        self._write_report(page, step, results, own)
        where = f"{step} – « {page.title()} » ({page.url})"
        self.pages.append(where)
        failing = [v for v in results["violations"] if v.get("impact") in FAILING_IMPACTS]
        if failing:
            self.problems.append(f"{where}\n{format_violations(failing)}")
        if own:
            self.problems.append(f"{where}\n" + "\n".join(f"  - {p}" for p in own))
        return results["violations"]

    def record(self, where: str, problem: str) -> None:
        """Add a problem found by a test itself (keyboard, focus...)."""
        self.problems.append(f"{where}\n  - {problem}")

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"{len(self.problems)} accessibility problem(s) on {len(self.pages)} page(s) audited "
            f"(JSON reports in {self.report_dir}):\n\n" + "\n\n".join(self.problems))

    def _write_report(self, page, step: str, results: dict, own: list[str]) -> None:
        self.report_dir.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", f"{self.test_name}--{step}").strip("-")
        report = {
            "test": self.test_name, "step": step, "url": page.url, "title": page.title(),
            "axe_version": results.get("testEngine", {}).get("version"),
            "failing_impacts": list(FAILING_IMPACTS),
            "summary": _summary(results["violations"]),
            "page_checks": own,
            "violations": [_compact(v) for v in results["violations"]],
        }
        path = self.report_dir / f"{slug}.json"
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def _summary(violations: list[dict]) -> dict:
    counts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    for v in violations:
        counts[v.get("impact") or "minor"] += 1
    return counts


def _compact(violation: dict) -> dict:
    return {
        "id": violation["id"], "impact": violation.get("impact"), "help": violation["help"],
        "helpUrl": violation["helpUrl"], "tags": violation.get("tags", []),
        "nodes": [{"target": n.get("target"), "html": n.get("html"),
                   "summary": n.get("failureSummary")} for n in violation["nodes"]],
    }


def format_violations(violations: list[dict]) -> str:
    """One readable block per rule: id, impact, help text, help URL, target selectors."""
    lines = []
    for v in violations:
        lines.append(f"  - {v['id']} [{v.get('impact')}] {v['help']}")
        lines.append(f"    aide : {v['helpUrl']}")
        for node in v["nodes"][:10]:
            lines.append(f"    cible : {' >> '.join(map(str, node.get('target', [])))}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … et {len(v['nodes']) - 10} autre(s)")
    return "\n".join(lines)
