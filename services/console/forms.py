"""Forms and payloads: what each form sends to its service, and the service's refusal
(``422 {fields}``) turned into a message beside each input, in the user's language.

The services validate; the console only maps. A form's values are kept as typed, so
that a refused form is shown again with them.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.console.i18n import N_

FORM_LEVEL = "_form"         # where a refusal of no input of the form is shown
Values = Mapping[str, str]


@dataclass(frozen=True)
class Form:
    """A form's inputs, the payload they make, and which input a service's field is."""
    inputs: tuple[str, ...]
    payload: Callable[[Values], dict[str, Any]]
    fields: Mapping[str, str] = field(default_factory=dict)   # service field -> input

    def values(self, submitted: Mapping[str, str]) -> dict[str, str]:
        """The form's own inputs as typed (nothing else the request carried)."""
        return {name: str(submitted.get(name, "")) for name in self.inputs}

    def errors(self, refusal: Mapping[str, Any]) -> dict[str, list[str]]:
        """The service's field errors, by input, as message ids of the catalog."""
        shown: dict[str, list[str]] = {}
        for path, messages in flatten(refusal).items():
            name = self.fields.get(path, path)
            target = name if name in self.inputs else FORM_LEVEL
            shown.setdefault(target, [])
            for message in messages:
                text = message_id(message)
                if text not in shown[target]:
                    shown[target].append(text)
        return shown


def flatten(fields: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """``{"voter": {"phone": ["..."]}}`` as ``{"voter.phone": ["..."]}``."""
    flat: dict[str, list[str]] = {}
    for key, value in fields.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, path))
        elif isinstance(value, (list, tuple)):
            flat[path] = [str(v) for v in value if not isinstance(v, Mapping)]
            for nested in (v for v in value if isinstance(v, Mapping)):
                flat.update(flatten(nested, path))
        else:
            flat[path] = [str(value)]
    return flat


# a service's message (marshmallow's, or a rule's) -> what the page says
MESSAGES = (
    (r"^Missing data for required field|^Field may not be null|^required|^must not be empty",
     N_("This field is required.")),
    (r"phone number", N_("Enter a phone number, e.g. 13900000001.")),
    (r"resident ID number", N_("Enter an 18-character resident ID number.")),
    (r"^Not a valid integer", N_("Enter a whole number.")),
    (r"^Not a valid number|^Special numeric", N_("Enter an amount, e.g. 1200.50.")),
    (r"^Not a valid date", N_("Enter a date, e.g. 2026-11-28.")),
    (r"^Must be one of|^must be one of|^Not a valid choice", N_("Choose one of the options.")),
    (r"^Length must be|^Shorter than|^Longer than", N_("Too long or too short.")),
    (r"^unknown |not found", N_("Not a known choice.")),
    (r"greater than|less than|past extensions|at most|^Must be (greater|less)|"
     r"left of it",
     N_("The number is out of range.")),
    (r"NUL|surrogate", N_("Contains characters that cannot be stored.")),
)


def message_id(message: str) -> str:
    for pattern, text in MESSAGES:
        if re.search(pattern, message):
            return text
    return N_("Check this field.")


def _text(values: Values, *names: str) -> dict[str, str]:
    """The named inputs that were filled in, trimmed."""
    return {name: values[name].strip() for name in names if values.get(name, "").strip()}


def _whole(value: str) -> int | str:
    """A whole number as typed; anything else is sent as typed, for the service to refuse."""
    text = value.strip()
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text) else text


def _submission(values: Values) -> dict[str, Any]:
    body: dict[str, Any] = _text(values, "channel", "village_code", "category", "title",
                                 "description", "representative_id", "resolution")
    body["voter"] = {"name": values.get("voter_name", "").strip(),
                     "phone": values.get("voter_phone", "").strip()}
    return body


FORMS: dict[str, Form] = {
    # a station takes an issue at its reception or a representative's visit (intake);
    # the page adds the station itself for a reception
    "take": Form(("channel", "village_code", "category", "title", "description", "voter_name",
                  "voter_phone", "representative_id", "resolution"),
                 _submission,
                 {"voter.name": "voter_name", "voter.phone": "voter_phone",
                  "voter": "voter_name", "station_id": "channel"}),
    # a station's steps (routing) and the voter's rating taken by phone (intake)
    "resolve": Form(("resolution",), lambda v: _text(v, "resolution")),
    "escalate": Form(("reason", "note"), lambda v: _text(v, "reason", "note")),
    "feedback": Form(("rating", "comment"), lambda v: _text(v, "rating", "comment")),
    # a department's steps (departments)
    "accept": Form(("note",), lambda v: _text(v, "note")),
    "progress": Form(("note",), lambda v: _text(v, "note")),
    "complete": Form(("result",), lambda v: _text(v, "result")),
    "return": Form(("reason",), lambda v: _text(v, "reason")),
    "extension": Form(("days", "reason"),
                      lambda v: {**_text(v, "reason"),
                                 **({"days": _whole(v["days"])} if v.get("days", "").strip()
                                    else {})}),
    # the district office decides extensions (departments) and keeps the pool (routing)
    "grant": Form(("note",), lambda v: _text(v, "note")),
    "refuse": Form(("note",), lambda v: _text(v, "note")),
    "allocate": Form(("amount", "source_department", "allocated_on", "note"),
                     lambda v: _text(v, "amount", "source_department", "allocated_on", "note")),
    "spent": Form(("amount",), lambda v: _text(v, "amount")),
    # the voter's own rating, with the receipt's access code (intake)
    "voter_feedback": Form(("rating", "comment"), lambda v: _text(v, "rating", "comment")),
}
