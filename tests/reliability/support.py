"""Shared tools for the hostile-input tests: raw requests, hostile values, "nothing changed".

Values are sent as raw bytes (`application/x-www-form-urlencoded` built by hand) so that what a
hostile client can send, a test can send too: NUL bytes, invalid UTF-8 (a lone surrogate encoded
with `surrogatepass`), oversized values, duplicated parameters.
"""

from urllib.parse import quote_from_bytes

from django.apps import apps
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from audit.models import Entry

BOUNDED = settings(max_examples=25, deadline=None, derandomize=True,
                      suppress_health_check=[HealthCheck.function_scoped_fixture,
                                             HealthCheck.too_slow])

# Tables a refused request may legitimately touch: the session (messages, pending login),
# django-axes' failure counters, the django-otp throttling columns (updates, not rows).
VOLATILE_TABLES = {"aidants_aidantsession", "axes_accessattempt", "axes_accesslog",
                   "axes_accessfailurelog", "django_session"}

# Hostile text: each value is *invalid input for a well-formed form field* in at least one way a
# browser would never produce by itself.
EDGE_VALUES = [
    "\x00", "a\x00b", "\x00" * 64, "\ud800", "\udfff", "x\udc80y", "a" * 20_000,
    "é" * 5_000, "\u202e" * 300, "\ufeff\u200b" * 300, "%00", "%ZZ", "\r\n\r\nSet-Cookie: a=b",
    "../" * 200, "${jndi:ldap://127.0.0.1/a}", "' OR 1=1 --", "<script>alert(1)</script>",
    "１２３４５６", "𝟏𝟐𝟑𝟒𝟓𝟔", "١٢٣٤٥٦", "12345\u0666", "[]", "{}", "null", "-1", "1e308",
]
_chars = st.characters(codec=None, categories=["Cc", "Cs", "Cf", "Zs", "Nd", "So", "Lo", "Mn"])
# Values no valid form field accepts: NUL bytes (Django's ProhibitNullCharactersValidator) or
# oversized (every field here has a max length far below 1,000 characters).
HOSTILE = st.one_of(
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=10), st.text(max_size=10)),
    st.builds(lambda s, n: s * n, st.text(_chars, min_size=1, max_size=3),
              st.integers(3000, 8000)),
)
HOSTILE_TEXT = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.text(_chars, min_size=1, max_size=40),
    st.builds(lambda s, n: s * n, st.text(_chars, min_size=1, max_size=3),
              st.integers(1000, 8000)),
)


def encode(value: str) -> bytes:
    # surrogatepass: a lone surrogate becomes the invalid UTF-8 a hostile client can send.
    return value.encode("utf-8", "surrogatepass")


def form_body(pairs: list[tuple[str, str]]) -> bytes:
    return b"&".join(quote_from_bytes(encode(k)).encode() + b"=" + quote_from_bytes(encode(v))
                     .encode() for k, v in pairs)


def raw_post(client, path: str, pairs: list[tuple[str, str]], **extra):
    return client.generic("POST", path, form_body(pairs),
                          content_type="application/x-www-form-urlencoded", **extra)


def raw_get(client, path: str, pairs: list[tuple[str, str]], **extra):
    query = form_body(pairs).decode("ascii")
    return client.generic("GET", f"{path}?{query}" if query else path, **extra)


def row_counts() -> dict[str, int]:
    """Row count of every table but the volatile ones and the journal (checked apart)."""
    counts = {}
    for model in apps.get_models():
        table = model._meta.db_table
        if table in VOLATILE_TABLES or table.startswith("audit_") or model._meta.proxy:
            continue
        counts[table] = model._default_manager.count()
    return counts


class Unchanged:
    """Context: rows unchanged, and journal entries written meanwhile only of `allowed` types."""

    def __init__(self, *allowed: str):
        self.allowed = set(allowed)

    def __enter__(self):
        self.before = row_counts()
        last = Entry.objects.order_by("-pk").values_list("pk", flat=True).first()
        self.last_entry = last or 0
        return self

    def new_entry_types(self) -> list[str]:
        return list(Entry.objects.filter(pk__gt=self.last_entry).values_list("event_type",
                                                                            flat=True))

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            return False
        after = row_counts()
        changed = {t: (self.before[t], after[t]) for t in after if self.before.get(t) != after[t]}
        assert not changed, f"rows changed: {changed}"
        unexpected = [t for t in self.new_entry_types() if t not in self.allowed]
        assert not unexpected, f"unexpected journal entries: {unexpected}"
        return False


def assert_clean_refusal(response, *, allow=(200, 302, 400, 403, 404, 405, 413, 429)) -> None:
    """Never a server error; an error page or form is in French (lang="fr")."""
    assert response.status_code < 500, (response.status_code, response.content[:400])
    assert response.status_code in allow, (response.status_code, response.content[:400])
    content_type = response.get("Content-Type", "")
    if "text/html" in content_type and response.status_code != 302:
        assert b'lang="fr"' in response.content[:500], response.content[:300]


def shows_error(response) -> bool:
    """The page names an error in French next to a field or for the form (errorlist)."""
    html = response.content.decode()
    return 'aria-invalid="true"' in html or "errorlist" in html or 'class="alert' in html
