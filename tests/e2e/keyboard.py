"""Keyboard-only navigation: reach a control with Tab / Shift+Tab, act with Enter or Space.

Each focus stop is checked for a visible focus indicator (RGAA 10.7: outline or box-shadow
while focused). Radio buttons and <select> follow the platform convention (arrow keys inside
the group), which is how a keyboard user operates them too.
"""

FOCUS_STATE_JS = """
([target, group]) => {
  const el = document.activeElement;
  const cs = el ? getComputedStyle(el) : null;
  const outlined = cs && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0;
  const shadowed = cs && cs.boxShadow && cs.boxShadow !== 'none';
  const label = el ? [el.tagName.toLowerCase(), el.id && '#' + el.id,
    el.name && `[name=${el.name}]`, (el.innerText || el.value || '').trim().slice(0, 40)]
    .filter(Boolean).join(' ') : 'aucun';
  const inGroup = group && el && el.type === 'radio' && el.name === group;
  return {reached: el === target || Boolean(inGroup), onBody: !el || el === document.body,
          visible: Boolean(outlined || shadowed), label};
}
"""

# True when `target` comes before the focused element in document order.
IS_BEFORE_FOCUS_JS = """
(target) => {
  const a = document.activeElement;
  if (!a || a === document.body) return false;
  return Boolean(target.compareDocumentPosition(a) & Node.DOCUMENT_POSITION_FOLLOWING);
}
"""


def tab_to(page, target, *, group: str | None = None, max_presses: int = 80) -> list[str]:
    """Move keyboard focus to `target` (or into radio group `group`, where Tab stops once).

    Returns the focus stops that had no visible focus indicator.
    """
    handle = target.element_handle()
    key = "Shift+Tab" if page.evaluate(IS_BEFORE_FOCUS_JS, handle) else "Tab"
    unseen: list[str] = []
    visited: list[str] = []
    for _ in range(max_presses):
        page.keyboard.press(key)
        state = page.evaluate(FOCUS_STATE_JS, [handle, group])
        if state["onBody"]:
            continue
        visited.append(state["label"])
        if not state["visible"]:
            unseen.append(state["label"])
        if state["reached"]:
            return unseen
    raise AssertionError(
        f"{key} pressed {max_presses} times without reaching {target}; focus went through: "
        + " | ".join(visited[-15:]))


def activate(page, target) -> list[str]:
    """Focus `target` by keyboard and press Enter (links, buttons) or Space (check boxes)."""
    unseen = tab_to(page, target)
    kind = (target.get_attribute("type") or "").lower()
    page.keyboard.press("Space" if kind in ("checkbox", "radio") else "Enter")
    return unseen


def type_into(page, target, text: str) -> list[str]:
    unseen = tab_to(page, target)
    page.keyboard.press("Control+A")  # replace what the field holds, as typing over it would
    page.keyboard.type(text)
    return unseen


def choose_radio(page, target, *, max_presses: int = 20) -> list[str]:
    """Tab into the radio group (one stop for the group), then arrow keys to `target`."""
    if target.is_checked():
        return []
    unseen = tab_to(page, target, group=target.get_attribute("name"))
    if target.evaluate("el => el === document.activeElement"):
        page.keyboard.press("Space")
    for _ in range(max_presses):
        if target.is_checked():
            return unseen
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"could not reach radio {target} with the arrow keys")


def select_by_label(page, target, label: str, *, max_presses: int = 50) -> list[str]:
    unseen = tab_to(page, target)
    for _ in range(max_presses):
        if target.evaluate("el => el.options[el.selectedIndex].text.trim()") == label:
            return unseen
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"option {label!r} not reached in {target}")
