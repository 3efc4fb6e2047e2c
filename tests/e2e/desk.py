"""`Desk`: what a person at the desk does in the browser, done by mouse or by keyboard only.

Every step the scenario names is screenshotted (tests/e2e/screenshots/<test>/NN-step.png) and
audited (tests/e2e/a11y.py). With `keyboard_only=True` the same calls reach controls with
Tab / Shift+Tab and act with Enter / Space (tests/e2e/keyboard.py), never with the mouse; any
focus stop without a visible indicator is recorded as an accessibility problem.
"""

from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e import keyboard
from tests.e2e.a11y import Auditor


@dataclass
class Desk:
    page: object
    base_url: str
    shots: Path
    auditor: Auditor
    keyboard_only: bool = False
    steps: list[str] = field(default_factory=list)

    def open(self, path: str):
        """Go to a URL (typing an address or following a printed link, not a click)."""
        url = path if path.startswith("http") else self.base_url + path
        return self.page.goto(url)

    def snap(self, step: str, *, audit: bool = True) -> None:
        """Screenshot the page as step NN, then audit it (axe-core + page checks)."""
        self.page.wait_for_load_state()
        self.steps.append(step)
        name = f"{len(self.steps):02d}-{step}"
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)
        if audit:
            self.auditor.check(self.page, name)

    def fill(self, target, value: str) -> None:
        if self.keyboard_only:
            self._focus_problems(keyboard.type_into(self.page, target, value))
        else:
            target.fill(value)

    def press(self, target) -> None:
        """Follow a link, press a button, tick a box."""
        if self.keyboard_only:
            self._focus_problems(keyboard.activate(self.page, target))
        else:
            target.click()

    def choose(self, radio) -> None:
        if self.keyboard_only:
            self._focus_problems(keyboard.choose_radio(self.page, radio))
        else:
            radio.check()

    def select(self, select, label: str) -> None:
        if self.keyboard_only:
            self._focus_problems(keyboard.select_by_label(self.page, select, label))
        else:
            select.select_option(label=label)

    def focus(self, target) -> None:
        """Reach `target` with the keyboard without acting on it (checks it is reachable)."""
        self._focus_problems(keyboard.tab_to(self.page, target))

    def _focus_problems(self, unseen: list[str]) -> None:
        for label in unseen:
            self.auditor.record(self.page.url, f"focus invisible au clavier sur : {label}")
