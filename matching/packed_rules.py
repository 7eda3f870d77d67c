"""A trial's RuleSet kept packed, and parsed only when it is read in full.

A worker's catalog holds every trial, but a match never reads a trial's full RuleSet:
candidates are judged, and the page explained, on plans (:mod:`matching.outcomes`,
:mod:`matching.explain`), made once when the catalog loads the trial. The RuleSet is parsed
to make them, and to evaluate a trial outside a match (a trial the registry's limits filter
out, :func:`matching.evaluate.evaluate_trial`). Parsed, a RuleSet is about a
hundred pydantic objects (45 KiB even with its objects shared); its JSON, compressed, is
about 2 KiB. A registry has nearly one text per trial, so at 100k trials that is the
difference between about 4.4 GB and 0.2 GB.

:class:`PackedRules` holds the compressed JSON; :meth:`PackedRules.load` parses it
through a small cache of recently read RuleSets. :func:`rules_of` gives a trial's RuleSet however the trial holds it, so tests
and callers may still build trials from a RuleSet directly.

Parsed RuleSets are shared with the cache: read-only, like every catalog RuleSet.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from typing import TYPE_CHECKING

from criteria_rules.ir import RuleSet
from matching.weak_ids import IdRef, new_ref

if TYPE_CHECKING:
    from matching.trial import TrialSummary

PARSED_KEPT = 256  # recently read RuleSets kept parsed (about 90 KiB each): keep_parsed()
_LEVEL = 6


class PackedRules:
    """One RuleSet as zlib-compressed JSON. Equal when the JSON is."""

    __slots__ = ("_blob", "has_criteria", "__weakref__")

    def __init__(self, blob: bytes, has_criteria: bool):
        self._blob = blob
        self.has_criteria = has_criteria  # without parsing: judging asks it of every candidate

    @classmethod
    def pack(cls, ruleset: RuleSet, json_text: str | bytes | None = None) -> "PackedRules":
        """``ruleset`` packed; ``json_text``, when given, must be its JSON (e.g. as stored)
        and saves serialising it again."""
        if json_text is None:
            json_text = ruleset.model_dump_json()
        data = json_text.encode("utf-8") if isinstance(json_text, str) else json_text
        return cls(zlib.compress(data, _LEVEL), bool(ruleset.criteria))

    @property
    def packed_size(self) -> int:
        return len(self._blob)

    def json(self) -> bytes:
        return zlib.decompress(self._blob)

    def parse(self) -> RuleSet:
        """A new RuleSet object, not cached."""
        return RuleSet.model_validate_json(self.json())

    def load(self) -> RuleSet:
        """The RuleSet, parsed once while it stays among the recently read ones."""
        return _recent.get(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PackedRules) and self._blob == other._blob

    def __hash__(self) -> int:
        return hash(self._blob)

    def __reduce__(self):
        return (PackedRules, (self._blob, self.has_criteria))

    def __repr__(self) -> str:
        return f"PackedRules({self.packed_size} bytes)"


class _RecentlyParsed:
    """The last ``size`` RuleSets parsed, by identity of their PackedRules, which are held
    weakly: rules a catalog reload dropped leave with their parsed RuleSet."""

    def __init__(self, size: int):
        self.size = size
        self._parsed: OrderedDict[int, IdRef] = OrderedDict()  # id(packed) -> ref carrying the RuleSet
        self._lock = threading.Lock()

    def get(self, packed: PackedRules) -> RuleSet:
        key = id(packed)
        with self._lock:
            found = self._parsed.get(key)
            if found is not None and found() is packed:
                self._parsed.move_to_end(key)
                return found.value
        ruleset = packed.parse()  # outside the lock: two threads may parse one; both are equal
        with self._lock:
            self._parsed[key] = new_ref(packed, ruleset, self._forget)
            self._parsed.move_to_end(key)
            while len(self._parsed) > self.size:
                self._parsed.popitem(last=False)
        return ruleset

    def _forget(self, ref: IdRef) -> None:
        # (as matching.weak_ids.WeakIdTable: freed objects leave, without the lock)
        if self._parsed.get(ref.key) is ref:
            self._parsed.pop(ref.key, None)

    def resize(self, size: int) -> None:
        if size < 0:
            raise ValueError("the number of RuleSets kept parsed must not be negative")
        with self._lock:
            self.size = size
            while len(self._parsed) > size:
                self._parsed.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._parsed.clear()


_recent = _RecentlyParsed(PARSED_KEPT)


def keep_parsed(count: int) -> None:
    """Keep up to ``count`` recently read RuleSets parsed (the service's
    ``ELIGO_PARSED_RULESETS_KEPT``): each costs about 90 KiB. Matches parse none (see the
    module docs), so this only spares re-parsing for trials evaluated outside a match. 0
    parses every time."""
    _recent.resize(count)


def rules_of(trial: "TrialSummary") -> RuleSet | None:
    """The trial's RuleSet, whether the trial holds it parsed or packed."""
    rules = trial.rules
    if rules is None or isinstance(rules, RuleSet):
        return rules
    return rules.load()


def has_criteria(trial: "TrialSummary") -> bool:
    """Whether the trial has eligibility criteria of its own text, without parsing them."""
    rules = trial.rules
    if rules is None:
        return False
    return rules.has_criteria if isinstance(rules, PackedRules) else bool(rules.criteria)
