"""The one helper through which settings read the environment.

Every setting that can change between deployments goes through `env()`, so the list of knobs is
greppable and a production deployment needs no `DJANGO_SETTINGS_MODULE` juggling.
"""

import os
from collections.abc import Callable
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ImproperlyConfiguredEnv(RuntimeError):
    """A variable is present but cannot be read as the type its setting needs."""


def as_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfiguredEnv(f"not a boolean: {raw!r}")


def as_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def env(name: str, default: Any = None, cast: Callable[[str], Any] = str) -> Any:
    """Return the variable `name` cast with `cast`, or `default` when it is unset."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return cast(raw)
    except (ValueError, ImproperlyConfiguredEnv) as exc:
        raise ImproperlyConfiguredEnv(f"{name}: {exc}") from exc
