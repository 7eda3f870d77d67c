"""Values filed under the identity of live objects, dropped as those objects are freed.

Matching keeps several such tables: an atom's number (``matching.facts``), a RuleSet's
plans (``matching.outcomes``) and recently parsed RuleSets (``matching.packed_rules``).
Filing by ``id()`` keeps lookups cheap (pydantic models are not hashable, and hashing
their contents costs more than the lookup saves); holding the object only weakly lets a
catalog reload, or a page's transient RuleSet, free it, and the entry leaves with it.
"""

from __future__ import annotations

import weakref


class IdRef(weakref.ref):
    """A weak reference that knows the id its table files it under, and the value filed."""

    __slots__ = ("key", "value")


class WeakIdTable:
    """``id(obj) -> value`` while ``obj`` lives. Two threads may file the same object at
    once; the last value filed is kept (callers file equal values)."""

    __slots__ = ("_refs", "__weakref__")

    def __init__(self) -> None:
        self._refs: dict[int, IdRef] = {}

    def get(self, obj: object):
        """The value filed for ``obj``, or None."""
        ref = self._refs.get(id(obj))
        return ref.value if ref is not None and ref() is obj else None

    def put(self, obj: object, value) -> None:
        self._refs[id(obj)] = new_ref(obj, value, self._forget)

    def _forget(self, ref: IdRef) -> None:
        # Called as the object is freed, before its id can be reused. Takes no lock: a
        # collection may run while a caller holds one; a dict's pop is atomic.
        if self._refs.get(ref.key) is ref:
            self._refs.pop(ref.key, None)

    def clear(self) -> None:
        self._refs.clear()

    def __len__(self) -> int:
        return len(self._refs)


def new_ref(obj: object, value, callback) -> IdRef:
    """An :class:`IdRef` to ``obj`` filed under ``id(obj)`` with ``value``."""
    ref = IdRef(obj, callback)
    ref.key, ref.value = id(obj), value
    return ref
