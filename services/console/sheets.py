"""Forms of one row per item (the meeting's decisions, the hearing's departments): each
row's inputs are named ``<column>-<item>``; the rows filled in become one list of the
payload, and a service's refusal of ``<list>.<index>.<field>`` is shown beside that
row's input."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.console.forms import Form, Values

Row = Callable[[str, Mapping[str, str]], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Sheet:
    listed_as: str                 # the payload's list: "decisions", "entries"
    head: tuple[str, ...]          # the inputs of the whole form: "held_on"
    columns: tuple[str, ...]       # each row's inputs
    row: Row                       # an item's id and row values -> its entry, None if blank

    def form(self, submitted: Mapping[str, str], items: Sequence[str],
             extra: Mapping[str, Any] | None = None) -> Form:
        """The form of these items as submitted: only the rows filled in are sent."""
        chosen = [(item, entry) for item in items
                  if (entry := self.row(item, self.row_values(submitted, item))) is not None]
        inputs = self.head + tuple(f"{c}-{item}" for item in items for c in self.columns)
        fields = {f"{self.listed_as}.{n}.{c}": f"{c}-{item}"
                  for n, (item, _) in enumerate(chosen) for c in self.columns}

        def payload(values: Values) -> dict[str, Any]:
            head = {name: values[name].strip() for name in self.head
                    if values.get(name, "").strip()}
            return {**head, **(extra or {}), self.listed_as: [entry for _, entry in chosen]}
        return Form(inputs, payload, fields)

    def row_values(self, submitted: Mapping[str, str], item: str) -> dict[str, str]:
        return {c: str(submitted.get(f"{c}-{item}", "")).strip() for c in self.columns}


def decision(on_agenda: frozenset[str]) -> Row:
    """A meeting's decision on an issue, or None when the row is left undecided; an
    issue not on the agenda carries why it is decided anyway (routing requires it when
    the meeting names its agenda)."""
    def row(issue_id: str, values: Mapping[str, str]) -> dict[str, Any] | None:
        if not values["action"]:
            return None
        entry: dict[str, Any] = {"issue_id": issue_id, "action": values["action"]}
        for name in ("department", "note", "off_agenda_reason"):
            if values[name] and (name != "off_agenda_reason" or issue_id not in on_agenda):
                entry[name] = values[name]
        return entry
    return row


def hearing_entry(assignments: Mapping[str, list[str]]) -> Row:
    """A department's entry at the hearing: who signed for it and what it undertook, for
    its assignments; None when no one is named for it."""
    def row(department: str, values: Mapping[str, str]) -> dict[str, Any] | None:
        if not (values["attendee"] or values["undertaking"]):
            return None
        return {"department": department, "attendee": values["attendee"],
                "undertaking": values["undertaking"],
                "assignment_ids": assignments.get(department, [])}
    return row


MEETING = ("held_on",), ("action", "department", "note", "off_agenda_reason")
HEARING = ("held_on",), ("attendee", "undertaking")
