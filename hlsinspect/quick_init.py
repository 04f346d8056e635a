"""A faster `__init__` for the frozen dataclasses made once per segment.

A frozen dataclass's generated `__init__` sets each field with `object.__setattr__`, a call
per field: about 1 us for a seven-field record. An audit makes five such records per
segment (the reference, where it resolves, its placed range, the key, what is known of the
object), so at 90,000 segments that is half a second of the checking process. Writing the
fields into the instance's `__dict__` in one call takes half as long, and keeps everything
else the dataclass gives: equality, hashing, the repr, `replace`, pickling, and assignment
still refused (FrozenInstanceError).
"""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from typing import Any, TypeVar

T = TypeVar("T", bound=type)


def quick_init(cls: T) -> T:
    """Give the frozen dataclass `cls` an `__init__` that fills `__dict__` in one call, with
    the same parameters and defaults. Only for plain records: every field in `__init__`,
    defaults that are values (no factories), no `__post_init__`, no slots, no keyword-only
    fields; anything else is a TypeError when the module is imported."""
    params = getattr(cls, "__dataclass_params__", None)
    if not is_dataclass(cls) or params is None or not params.frozen:
        raise TypeError(f"{cls.__name__}: quick_init is for frozen dataclasses")
    if hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: quick_init cannot keep __post_init__ or slots")
    names: list[str] = []
    signature: list[str] = []
    defaults: dict[str, Any] = {}
    for field in fields(cls):
        if not field.init or field.kw_only or field.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{field.name}: not a plain field")
        names.append(field.name)
        if field.default is MISSING:
            signature.append(field.name)
        else:
            defaults[f"_default_{field.name}"] = field.default
            signature.append(f"{field.name}=_default_{field.name}")
    assigned = ", ".join(f"{name}={name}" for name in names)
    source = (f"def __init__(self, {', '.join(signature)}):\n"
              f"    self.__dict__.update({assigned})\n")
    space: dict[str, Any] = {}
    exec(source, defaults, space)
    init = space["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    setattr(cls, "__init__", init)  # noqa: B010  (a method of the class, set after it is made)
    return cls
