"""`quick_init`: the frozen records made per segment keep every behaviour of a dataclass."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from hlsinspect.quick_init import quick_init
from hlsinspect.references import Located as Placed
from hlsinspect.references import ObjectRef, ResolvedRef
from hlsinspect.storage.base import Existence, ObjectState
from hlsinspect.uri.keys import Reference
from hlsinspect.uri.s3_urls import Located


@dataclass(frozen=True)
class Plain:
    kind: str
    uri: str
    line: int
    segment: int | None = None
    fetched: bool = True


@quick_init
@dataclass(frozen=True)
class Quick:
    kind: str
    uri: str
    line: int
    segment: int | None = None
    fetched: bool = True


@pytest.mark.parametrize(("args", "kwargs"), [
    (("segment", "a.ts", 3), {}),
    (("segment", "a.ts", 3, 7, False), {}),
    (("init",), {"uri": "i.mp4", "line": 1, "fetched": False}),
])
def test_a_quick_record_is_the_dataclass_it_was(args: tuple, kwargs: dict):
    plain, quick = Plain(*args, **kwargs), Quick(*args, **kwargs)
    assert dataclasses.astuple(plain) == dataclasses.astuple(quick)
    assert repr(plain).replace("Plain", "Quick") == repr(quick)
    assert quick == Quick(*args, **kwargs) and hash(quick) == hash(Quick(*args, **kwargs))
    assert quick != dataclasses.replace(quick, line=99)
    assert dataclasses.replace(quick, line=99).line == 99
    assert pickle.loads(pickle.dumps(quick)) == quick
    with pytest.raises(dataclasses.FrozenInstanceError):
        quick.line = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        Quick()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Quick("segment", "a.ts", 3, nothing=1)  # type: ignore[call-arg]


def test_the_records_of_an_audit_are_quick_and_whole():
    ref = ObjectRef("segment", "a.ts", 4, 0, 100, 0)
    assert (ref.fetched, ref.length) == (True, 100)
    assert ResolvedRef(ref, "k/a.ts").byterange is None
    assert ObjectState(Existence.PRESENT, size=5).tries == 1
    assert Reference(key="k").external is None
    assert Located("b", "k").bucket == "b"
    assert Placed(Reference(key="k")).known is True
    for record in (ref, ResolvedRef(ref, "k"), ObjectState(Existence.MISSING),
                   Reference(key="k"), Located("b", "k"), Placed(Reference(key="k"))):
        assert type(record).__init__.__qualname__ == f"{type(record).__qualname__}.__init__"
        assert pickle.loads(pickle.dumps(record)) == record


def test_what_it_cannot_keep_is_refused():
    with pytest.raises(TypeError):
        @quick_init
        @dataclass(frozen=True)
        class Factory:
            items: list[int] = field(default_factory=list)
    with pytest.raises(TypeError):
        @quick_init
        @dataclass
        class Mutable:
            x: int
    with pytest.raises(TypeError):
        @quick_init
        @dataclass(frozen=True)
        class After:
            x: int

            def __post_init__(self) -> None:
                pass
