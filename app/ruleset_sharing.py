"""Make a parsed RuleSet cheaper to hold once it is shared read-only by a worker's catalog.

A parsed RuleSet is about a hundred pydantic objects, and each one carries its own
``__pydantic_fields_set__`` set: measured on the scale corpus that is 42 of the 89 KiB a
RuleSet takes. The objects of one class nearly always have the same set fields, so
:func:`compact_ruleset` points them all at one shared, read-only set per distinct field
combination, interns the short strings (concept ids, kinds, units) that repeat across
RuleSets, and shares one read-only list per distinct list of strings (a criterion's
outline, its unread phrases) and one empty list for every empty one (children, warnings):
lists were 60 of a RuleSet's objects and 7% of its size. The RuleSet's values, equality,
dumps and copies are unchanged.

The catalog's RuleSets are already read-only by contract (trials with the same input
share one object); assigning an attribute on a compacted one now raises, so such a bug is
loud rather than a silent change to every trial that shares it (pydantic has written the
value by then: the error is the signal, not a guard). ``model_copy`` still works.
"""

from __future__ import annotations

import sys

from pydantic import BaseModel

from criteria_rules.ir import RuleSet

INTERNED_UP_TO = 80  # characters: ids, kinds and units repeat; criterion texts rarely do


class SharedFieldNames(set):
    """A set of field names shared by many models; refuses to change."""

    __slots__ = ()

    def __copy__(self) -> set:  # model_copy gets a private, mutable set
        return set(self)

    def __deepcopy__(self, memo) -> set:
        return set(self)

    def _refuse(self, *args, **kwargs):
        raise TypeError("this RuleSet is shared read-only by the catalog; use model_copy(update=...)")

    add = update = discard = remove = pop = clear = _refuse
    difference_update = intersection_update = symmetric_difference_update = _refuse
    __ior__ = __iand__ = __isub__ = __ixor__ = _refuse


_FIELD_SETS: dict[frozenset, SharedFieldNames] = {}


def _one_per(table: dict, key, make):
    """The shared object for ``key`` in ``table``, made by ``make(key)`` the first time."""
    found = table.get(key)
    if found is None:
        found = table.setdefault(key, make(key))
    return found


class SharedList(list):
    """A list shared by many models (equal string lists, empty lists); refuses to change."""

    __slots__ = ()

    def __copy__(self) -> list:  # model_copy(deep=True) and copy.copy get a private, mutable list
        return list(self)

    def __deepcopy__(self, memo) -> list:
        return list(self)

    def __reduce__(self):  # pickles as a plain list
        return (list, (list(self),))

    def _refuse(self, *args, **kwargs):
        raise TypeError("this RuleSet is shared read-only by the catalog; use model_copy(update=...)")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse


# One per distinct tuple of strings. Bounded by what RuleSets say (outlines and unread
# phrases repeat across trials); a few MB at 100k trials.
_LISTS: dict[tuple, SharedList] = {}


def _shared_list(items: list) -> list:
    """The shared read-only list equal to ``items`` when it is empty or all strings, else ``items``."""
    if not all(isinstance(item, str) for item in items):
        return items
    key = tuple(sys.intern(item) if len(item) <= INTERNED_UP_TO else item for item in items)
    return _one_per(_LISTS, key, SharedList)


def _shared_field_names(names: set) -> SharedFieldNames:
    return _one_per(_FIELD_SETS, frozenset(names), SharedFieldNames)


def _compact(value):
    if isinstance(value, BaseModel):
        fields = value.__dict__
        for name, item in fields.items():
            if isinstance(item, str):
                if len(item) <= INTERNED_UP_TO:
                    fields[name] = sys.intern(item)
            elif isinstance(item, list) and not isinstance(item, SharedList):
                _compact(item)
                fields[name] = _shared_list(item)
            elif item is not None:
                _compact(item)
        object.__setattr__(value, "__pydantic_fields_set__", _shared_field_names(value.__pydantic_fields_set__))
    elif isinstance(value, list):
        for position, item in enumerate(value):
            if isinstance(item, str):
                if len(item) <= INTERNED_UP_TO:
                    value[position] = sys.intern(item)
            else:
                _compact(item)
    elif isinstance(value, tuple):
        for item in value:
            _compact(item)
    elif isinstance(value, dict):
        for item in value.values():
            _compact(item)


def compact_ruleset(ruleset: RuleSet) -> RuleSet:
    """The same RuleSet, compacted in place (see the module docstring); returns it."""
    _compact(ruleset)
    return ruleset
