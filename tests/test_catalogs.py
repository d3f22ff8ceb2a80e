"""The Vietnamese catalog is complete and keeps every placeholder of the English source.

Vietnamese is the default language: an empty or fuzzy msgstr would show English
to Vietnamese customers, and a lost or misspelt placeholder raises at run time
(`"…" % {"code": …}`) or shows a raw `%(code)s`.
"""

import re

import polib
import pytest

from cskh.core.catalogs import LOCALE_DIR

VI_PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "django.po"

# %(name)s, %(n)d, %s, %d … (with optional flags, width and precision); "%%" is a literal.
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text.replace("%%", "")))


def entries() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(VI_PO)) if not entry.obsolete]


def entry_id(entry: polib.POEntry) -> str:
    return entry.msgid[:60]


@pytest.fixture(scope="module")
def catalog() -> polib.POFile:
    return polib.pofile(str(VI_PO))


def test_header_declares_vietnamese(catalog):
    assert not catalog.metadata_is_fuzzy
    assert catalog.metadata["Language"] == "vi"
    assert catalog.metadata["Content-Type"] == "text/plain; charset=UTF-8"
    assert catalog.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_every_entry_is_translated(catalog):
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    assert untranslated == []


def test_no_entry_is_fuzzy(catalog):
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert fuzzy == []


@pytest.mark.parametrize("entry", entries(), ids=entry_id)
def test_placeholders_match_the_source(entry):
    if entry.msgid_plural:
        # Vietnamese has one plural form: msgstr[0] stands for both English forms.
        assert list(entry.msgstr_plural) == [0]
        source = placeholders(entry.msgid_plural) or placeholders(entry.msgid)
        assert placeholders(entry.msgstr_plural[0]) == source
    else:
        assert placeholders(entry.msgstr) == placeholders(entry.msgid)
