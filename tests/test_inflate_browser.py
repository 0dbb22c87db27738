"""static/inflate.js, the raw-DEFLATE decoder of browsers without DecompressionStream("deflate-raw")
(Safari before 16.4, so WeChat on iOS 15; Chrome before 103), against Python's zlib, in headless Chromium.

Hypothesis makes byte strings, zlib compresses them at every level and strategy (stored, fixed and
dynamic Huffman blocks; filtered, Huffman-only, run-length), memory level, window and flush, and the
decoder must give them back; damaged or cut streams must be refused where zlib refuses them (or give
what zlib gives: DEFLATE has no checksum). The decoder runs in a Web Worker with a time limit, so that
a decoder that loops fails the test instead of hanging it.
"""
from __future__ import annotations

import base64
import random
import shutil
import zlib
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from browser_support import Server

INFLATE_JS = Path(__file__).resolve().parent.parent / "templates" / "static" / "inflate.js"
STRATEGIES = (zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED)
FLUSHES = (zlib.Z_NO_FLUSH, zlib.Z_SYNC_FLUSH, zlib.Z_FULL_FLUSH, zlib.Z_PARTIAL_FLUSH, zlib.Z_BLOCK)
STORED, FIXED, DYNAMIC = 0, 1, 2  # block types (RFC 1951 3.2.3)
HUNG = "hung"

WORKER = 'importScripts("static/inflate.js");\n' \
    "onmessage = (event) => { try { postMessage({ out: guanxinInflate(event.data) }); }" \
    " catch (error) { postMessage({ error: String(error.message) }); } };\n"

# decode(base64) -> {out: base64} | {error} | {hung: true}: in a worker, given a second at most.
PAGE = """<!doctype html><meta charset="utf-8"><title>inflate</title><script>
let worker = null;
function decode(b64) {
  worker = worker || new Worker("worker.js");
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Promise((resolve) => {
    const timer = setTimeout(() => { worker.terminate(); worker = null; resolve({ hung: true }); }, 1000);
    worker.onmessage = (event) => {
      clearTimeout(timer);
      if (event.data.error !== undefined) resolve({ error: event.data.error });
      else resolve({ out: btoa(Array.from(event.data.out, (b) => String.fromCharCode(b)).join("")) });
    };
    worker.postMessage(bytes, [bytes.buffer]);
  });
}
</script>"""


@pytest.fixture(scope="module")
def inflate(browser, tmp_path_factory):
    """inflate(data) -> the bytes, None when the decoder refused them, or HUNG."""
    root = tmp_path_factory.mktemp("inflate")
    (root / "static").mkdir()
    shutil.copyfile(INFLATE_JS, root / "static" / "inflate.js")
    (root / "worker.js").write_text(WORKER, encoding="utf-8")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    server = Server(root)
    page = browser.new_page()
    page.goto(server.url)

    def run(data: bytes):
        answer = page.evaluate("decode", base64.b64encode(data).decode())
        if answer.get("hung"):
            return HUNG
        return None if "error" in answer else base64.b64decode(answer["out"])

    yield run
    page.close()
    server.close()


def deflate(data: bytes, level: int, strategy: int, mem_level: int = 8, window: int = 15,
            flushes: tuple[tuple[int, int], ...] = ()) -> bytes:
    """Raw DEFLATE of data, flushed at the given (offset, flush mode) on the way."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -window, mem_level, strategy)
    out, at = [], 0
    for offset, mode in sorted(flushes):
        out += [packer.compress(data[at:offset]), packer.flush(mode)]
        at = max(at, offset)
    return b"".join(out + [packer.compress(data[at:]), packer.flush()])


def zlib_answer(stream: bytes) -> bytes | None:
    """What zlib makes of a stream: its bytes, or None when it refuses it or it ends too soon."""
    unpacker = zlib.decompressobj(-15)
    try:
        out = unpacker.decompress(stream) + unpacker.flush()
    except zlib.error:
        return None
    return out if unpacker.eof else None


def made(seed: int, size: int, alphabet: int, repeats: float) -> bytes:
    """size bytes of `alphabet` values, a share `repeats` of them copies of what came up to 32 KB before."""
    rng = random.Random(seed)
    out = bytearray()
    while len(out) < size:
        if out and rng.random() < repeats:
            start = len(out) - rng.randint(1, min(len(out), 32768))
            out += out[start:start + rng.randint(1, 300)]
        else:
            out.append(rng.randrange(alphabet))
    return bytes(out[:size])


plain = st.one_of(
    st.binary(max_size=300),
    st.builds(made, st.integers(0, 2**32), st.integers(0, 70_000), st.integers(1, 256), st.floats(0, 0.98)),
    st.text(alphabet="关心下一代工作委员会五老 ,。0123456789", max_size=3000).map(str.encode),
)


@st.composite
def streams(draw):
    data = draw(plain)
    flushes = draw(st.lists(st.tuples(st.integers(0, len(data)), st.sampled_from(FLUSHES)), max_size=3))
    return data, deflate(data, draw(st.integers(0, 9)), draw(st.sampled_from(STRATEGIES)), draw(st.integers(1, 9)),
                         draw(st.integers(9, 15)), tuple(flushes))


TEXT = made(7, 60_000, 40, 0.7)
EXAMPLES = {STORED: (TEXT, deflate(TEXT, 0, zlib.Z_DEFAULT_STRATEGY)),
            FIXED: (TEXT, deflate(TEXT, 6, zlib.Z_FIXED)),
            DYNAMIC: (TEXT, deflate(TEXT, 9, zlib.Z_DEFAULT_STRATEGY, mem_level=1))}


def test_the_examples_begin_with_each_kind_of_block():
    assert {kind: stream[0] >> 1 & 3 for kind, (_, stream) in EXAMPLES.items()} == {STORED: 0, FIXED: 1, DYNAMIC: 2}


@settings(max_examples=120, deadline=None)
@given(case=streams())
@example(case=EXAMPLES[STORED]).via("stored blocks")
@example(case=EXAMPLES[FIXED]).via("fixed Huffman blocks")
@example(case=EXAMPLES[DYNAMIC]).via("many dynamic Huffman blocks")
@example(case=(b"", deflate(b"", 6, zlib.Z_DEFAULT_STRATEGY))).via("nothing")
def test_inflate_gives_back_what_zlib_deflated(inflate, case):
    data, stream = case
    assert inflate(stream) == data


@settings(max_examples=120, deadline=None)
@given(case=streams(), flips=st.lists(st.integers(0, 2**31), max_size=3), keep=st.floats(0, 1))
@example(case=EXAMPLES[DYNAMIC], flips=[], keep=0.5).via("cut in the middle")
@example(case=EXAMPLES[STORED], flips=[], keep=0.99).via("a stored block cut")
@example(case=EXAMPLES[DYNAMIC], flips=[], keep=100 / len(EXAMPLES[DYNAMIC][1])).via("cut where zeros read as literals")
def test_damaged_or_cut_data_is_refused_where_zlib_refuses_it(inflate, case, flips, keep):
    _, stream = case
    damaged = bytearray(stream[:int(len(stream) * keep)] if keep < 1 else stream)
    for flip in flips if damaged else ():
        damaged[flip // 8 % len(damaged)] ^= 1 << flip % 8
    assert inflate(bytes(damaged)) == zlib_answer(bytes(damaged))


DAMAGED = {  # streams zlib refuses, each for its own reason (bits written least significant first)
    "reserved block type 3": bytes([0b111]),
    "stored length and its complement disagree": bytes([0b001, 5, 0, 0xFA, 0xFE]) + b"hello",
    "stored block longer than the data": bytes([0b001, 5, 0, 0xFA, 0xFF]) + b"hell",
    "distance before the start": bytes([0b011, 0x02, 0x00]),  # fixed block: length 3, distance 1, nothing before
    "nothing after the header": bytes([0b101]),
    "zeros": bytes(16),
}


@pytest.mark.parametrize("stream", DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_streams_are_refused(inflate, stream):
    assert zlib_answer(stream) is None
    assert inflate(stream) is None


def test_every_cut_of_a_stream_is_refused(inflate):
    data = made(3, 2000, 20, 0.5)
    stream = deflate(data, 9, zlib.Z_DEFAULT_STRATEGY, flushes=((700, zlib.Z_FULL_FLUSH),))
    assert [inflate(stream[:n]) for n in range(len(stream))] == [None] * len(stream)
    assert inflate(stream) == data
