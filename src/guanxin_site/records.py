"""The frozen models as plain values for the parse cache: data that cannot run code when it is read.

The cache lives in the project folder, which travels (a USB stick, a shared drive, a zip
from a colleague): a pickle there could run any code when a build loads it; these records cannot.

A model object is written as the tuple of its fields' values in declaration order. How each
field is written follows from its type annotation, through one table (_codec_for): numbers,
strings, booleans and None as they are; a date as its ordinal; a tuple as a tuple; a nested
model as its tuple; a Place (thirteen regions shared by thousands of reports) as one JSON
string, decoded once per distinct place. A new field needs nothing here, and a field of a new
kind fails at import, not at run time.

The record travels as `marshal` bytes (encode_issue): decoding them in C costs about a third of
what JSON's decoder did, and marshal builds values only (numbers, strings, tuples; a code object
it could make is never run, and is refused below like any value of an unexpected type). Reading
builds the objects without calling their __init__ (as unpickling does), checks every value's
type and every tuple's length, and raises RecordError for anything else: the cache then counts
as absent. Plain tuples are used as decoded, without a copy.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import marshal
import operator
import sys
import types
import typing
from typing import Any, Callable

from guanxin_site.gazetteer import Place
from guanxin_site.models import Issue


class RecordError(ValueError):
    """A record that is not what this version writes."""


Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]  # to marshal-able values, and back
MARSHAL_VERSION = 4  # pinned: plain values read the same in every Python since 3.4


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _date_from(value: int) -> dt.date:
    return dt.date.fromordinal(value)


class _Places:
    """A Place as one JSON string of its fields; each distinct string is decoded once."""

    def __init__(self):
        self.encoded: dict[Place, str] = {}
        self.decoded: dict[str, Place] = {}

    def encode(self, place: Place) -> str:
        text = self.encoded.get(place)
        if text is None:
            text = self.encoded[place] = _dumps(dataclasses.astuple(place))
        return text

    def decode(self, text: str) -> Place:
        place = self.decoded.get(text)
        if place is None:
            fields = json.loads(text)
            if (not isinstance(fields, list) or len(fields) != 6 or not isinstance(fields[5], list)
                    or not all(isinstance(f, (str, type(None))) for f in fields[:5] + fields[5])):
                raise RecordError(f"not a place: {text[:80]}")
            place = self.decoded[text] = Place(*fields[:5], tuple(fields[5]))
        return place


_PLACES = _Places()
_PLAIN = {str: str, int: int, bool: bool, float: (float, int), type(None): type(None)}  # annotation -> stored type
_MODELS: dict[type, Codec] = {}


def _codec_for(hint) -> tuple[Codec | None, type | tuple[type, ...]]:
    """How a value of this annotation is written and read (None: as it is), and the type it is read as."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in _PLAIN:
        return None, _PLAIN[hint]
    if hint is dt.date:
        return (dt.date.toordinal, _date_from), int
    if hint is Place:
        return (_PLACES.encode, _PLACES.decode), str
    if dataclasses.is_dataclass(hint):
        return _model_codec(hint), tuple
    if origin in (typing.Union, types.UnionType) and type(None) in args and len(args) == 2:
        codec, kind = _codec_for(next(a for a in args if a is not type(None)))
        kind = (kind, type(None)) if isinstance(kind, type) else (*kind, type(None))
        if codec is None:
            return None, kind
        encode, decode = codec
        return (lambda v: None if v is None else encode(v), lambda v: None if v is None else decode(v)), kind
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(*_codec_for(args[0])), tuple
    if origin is tuple and all(a in _PLAIN for a in args):  # a fixed tuple of plain values, e.g. (key, line)
        return (tuple, _fixed_tuple(tuple(_PLAIN[a] for a in args))), tuple
    raise TypeError(f"records.py has no way to store a field of type {hint!r}: add one to _codec_for")


def _sequence(inner: Codec | None, kind) -> Codec:
    item = None if inner is None else inner[1]
    kinds = getattr(item, "kinds", None)  # items that are fixed tuples of plain values: checked in one pass

    def decode(values):
        if type(values) is not tuple:
            raise RecordError("not a tuple of the expected values")
        if not values:  # most of an issue's attachments, photos, counties
            return values
        if not all(map(isinstance, values, itertools.repeat(kind, len(values)))):
            raise RecordError("not a tuple of the expected values")
        if kinds is not None:
            if not all(len(v) == len(kinds) and all(map(isinstance, v, kinds)) for v in values):
                raise RecordError("not a tuple of the expected values")
            return values
        return values if item is None else tuple(map(item, values))

    return (tuple if inner is None else (lambda values: tuple([inner[0](v) for v in values]))), decode


def _fixed_tuple(kinds: tuple) -> Callable[[tuple], tuple]:
    def decode(values):
        if type(values) is not tuple or len(values) != len(kinds) or not all(map(isinstance, values, kinds)):
            raise RecordError("not a tuple of the expected values")
        return values

    decode.kinds = kinds
    return decode


def _model_codec(cls: type) -> Codec:
    if cls in _MODELS:
        return _MODELS[cls]
    hints = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    names = tuple(f.name for f in dataclasses.fields(cls))
    codecs, kinds = zip(*(_codec_for(hints[name]) for name in names))
    special = tuple((n, name, c[0], c[1]) for n, (name, c) in enumerate(zip(names, codecs)) if c is not None)
    values_of = operator.attrgetter(*names)
    count, new = len(names), object.__new__

    def encode(obj) -> tuple:
        values = list(values_of(obj))
        for n, _, to_plain, _ in special:
            values[n] = to_plain(values[n])
        return tuple(values)

    def decode(values) -> Any:
        if type(values) is not tuple or len(values) != count or not all(map(isinstance, values, kinds)):
            raise RecordError(f"not a {cls.__name__} record")
        obj = new(cls)
        fields = obj.__dict__  # frozen: set as unpickling does, without __setattr__
        fields.update(zip(names, values))
        for n, name, _, from_plain in special:
            fields[name] = from_plain(values[n])
        return obj

    _MODELS[cls] = (encode, decode)
    return _MODELS[cls]


_encode_issue, _decode_issue = _model_codec(Issue)


def issue_record(issue: Issue) -> tuple:
    """The issue as plain values (tuples, strings, numbers)."""
    return _encode_issue(issue)


def issue_from_record(record) -> Issue:
    """The issue back from issue_record's tuples; RecordError if they are not such a record."""
    try:
        return _decode_issue(record)
    except (TypeError, ValueError, OverflowError) as exc:  # a date ordinal out of range, a place's bad fields
        raise RecordError(str(exc)) from None


def encode_issue(issue: Issue) -> bytes:
    """One issue as marshal bytes (what a parsing worker sends and the cache stores)."""
    return marshal.dumps(issue_record(issue), MARSHAL_VERSION)


def decode_issue(data: bytes) -> Issue:
    return issue_from_record(plain_values(data))


def plain_values(data: bytes):
    """marshal bytes back to values; RecordError for bytes that are not whole marshal data."""
    try:
        return marshal.loads(data)
    except (ValueError, EOFError, TypeError) as exc:
        raise RecordError(f"not marshal data: {exc}") from None


def plain_bytes(value) -> bytes:
    """Plain values (a cache entry's file identities) as marshal bytes."""
    return marshal.dumps(value, MARSHAL_VERSION)


def dumps(value) -> str:
    """Compact JSON (a cache file's header line)."""
    return _dumps(value)
