"""The console's texts and times as its users read them.

Texts are written in English in the code and templates and translated from the
message catalog of the configured language (``translations/<lang>/LC_MESSAGES/
messages.po``, zh_CN first). The catalog is compiled in memory when the console
starts (babel's ``read_po`` and ``write_mo``), so no compiled ``.mo`` file is kept
beside it; English needs no catalog. Times are shown in ``TIMEZONE``.
"""
from __future__ import annotations

import gettext
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

CATALOGS = Path(__file__).parent / "translations"
LANGUAGES = ("zh_CN", "en")


def N_(message: str) -> str:
    """Marks a text for the catalog where it is written; translated where it is shown."""
    return message


def catalog_path(language: str) -> Path:
    return CATALOGS / language / "LC_MESSAGES" / "messages.po"


def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of ``language`` (English: the texts as written)."""
    if language not in LANGUAGES:
        raise ValueError(f"CONSOLE_LANGUAGE {language!r} is not one of {', '.join(LANGUAGES)}")
    if language == "en":
        return gettext.NullTranslations()
    with catalog_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


class Clock:
    """Formats moments in the configured time zone and language."""

    def __init__(self, zone: str, language: str) -> None:
        self.zone = ZoneInfo(zone)
        self.locale = language

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def when(self, value: Any) -> str:
        """A moment (or an ISO-8601 text) as ``2026-11-28 09:30`` in the time zone."""
        moment = _moment(value)
        if moment is None:
            return ""
        if not isinstance(moment, datetime):
            return format_date(moment, "yyyy-MM-dd", locale=self.locale)
        return format_datetime(moment, "yyyy-MM-dd HH:mm", tzinfo=self.zone, locale=self.locale)

    def day(self, value: Any) -> str:
        moment = _moment(value)
        if moment is None:
            return ""
        if isinstance(moment, datetime):
            moment = self.local(moment).date()
        return format_date(moment, "yyyy-MM-dd", locale=self.locale)


def _moment(value: Any) -> datetime | date | None:
    if value in (None, ""):
        return None
    if isinstance(value, (datetime, date)):
        return value
    text = str(value)
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
