// Raw DEFLATE (RFC 1951) for browsers without DecompressionStream("deflate-raw"): Safari before 16.4
// (WeChat on an iPhone uses it: every iPhone 6s, 7 and SE stops at iOS 15) and Chrome before 103.
// search-reader.js loads this file only there; it defines guanxinInflate(bytes: Uint8Array) ->
// Uint8Array, which throws on damaged or truncated data (docs/search.md, "Browsers"). A classic
// script, as the reader, for file://.
(function () {
  "use strict";
  const damaged = () => new Error("inflate: damaged data");

  // Length symbols 257..285 and distance symbols 0..29: base value and extra bits (RFC 1951 3.2.5).
  // Each group of four lengths (two distances) past the first eight (four) takes one bit more.
  const LENGTH_EXTRA = new Uint8Array(29);
  const LENGTH_BASE = new Uint16Array(29);
  const DIST_EXTRA = new Uint8Array(30);
  const DIST_BASE = new Uint16Array(30);
  for (let i = 0, base = 3; i < 29; i++) {
    LENGTH_EXTRA[i] = i < 8 || i === 28 ? 0 : (i >> 2) - 1;
    LENGTH_BASE[i] = i === 28 ? 258 : base; // 258 has a symbol of its own
    base += 1 << LENGTH_EXTRA[i];
  }
  for (let i = 0, base = 1; i < 30; i++) {
    DIST_EXTRA[i] = i < 4 ? 0 : (i >> 1) - 1;
    DIST_BASE[i] = base;
    base += 1 << DIST_EXTRA[i];
  }
  // The order in which a dynamic block gives the code lengths of its code length alphabet.
  const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

  // A canonical Huffman code as one lookup table indexed by the next `bits` input bits (DEFLATE sends
  // codes most significant bit first, so each code is stored bit-reversed, repeated for every value of
  // the bits after it): entry = symbol << 4 | code length, 0 where no code starts. A code must use every
  // bit pattern, but for a code of one symbol (of one bit) when `single` (as zlib decides).
  function huffman(lengths, single = true) {
    const count = new Uint16Array(16);
    for (let i = 0; i < lengths.length; i++) count[lengths[i]]++;
    count[0] = 0;
    const next = new Uint16Array(16);
    let left = 1; // codes still free at the current length: below 0 is more codes than fit
    for (let len = 1, code = 0; len < 16; len++) {
      left = (left << 1) - count[len];
      if (left < 0) throw damaged();
      next[len] = code;
      code = (code + count[len]) << 1;
    }
    let bits = 15;
    while (bits > 0 && !count[bits]) bits--;
    if (left > 0 && (bits > 1 || !single)) throw damaged();
    // Length by length: the table so far repeated for the next bit (a code of len bits fills every
    // 2^len-th entry), then each code of that length put in once.
    const table = new Int32Array(1 << bits);
    for (let len = 1, size = 1; len <= bits; len++, size <<= 1) {
      table.copyWithin(size, 0, size);
      for (let symbol = 0, code = next[len]; symbol < lengths.length; symbol++) {
        if (lengths[symbol] !== len) continue;
        let reversed = 0;
        for (let c = code++, i = 0; i < len; i++, c >>= 1) reversed = (reversed << 1) | (c & 1);
        table[reversed] = (symbol << 4) | len;
      }
    }
    return { table, bits };
  }

  function fixedLengths(n, ranges) {
    const lengths = new Uint8Array(n);
    for (const [from, to, len] of ranges) lengths.fill(len, from, to);
    return lengths;
  }
  const FIXED_LITERALS = huffman(fixedLengths(288, [[0, 144, 8], [144, 256, 9], [256, 280, 7], [280, 288, 8]]));
  const FIXED_DISTANCES = huffman(fixedLengths(32, [[0, 32, 5]])); // 30 and 31 are never sent

  // The input is read as a stream of bits, least significant first: s = { input, pos (next byte), buf
  // (bits read, not used yet), cnt (how many) }. Past the end it reads zeros, for a table lookup may look
  // at more bits than the last code has; inflate() checks at the end that none of them was used, and
  // the reading gives up 8 bytes past the end (so damaged data ends, never loops).
  function need(s, n) {
    while (s.cnt < n) {
      if (s.pos > s.input.length + 8) throw damaged();
      s.buf |= (s.pos < s.input.length ? s.input[s.pos] : 0) << s.cnt;
      s.pos++;
      s.cnt += 8;
    }
  }

  function bits(s, n) {
    need(s, n);
    const value = s.buf & ((1 << n) - 1);
    s.buf >>>= n;
    s.cnt -= n;
    return value;
  }

  function symbol(s, code) {
    need(s, code.bits);
    const entry = code.table[s.buf & ((1 << code.bits) - 1)];
    if (!entry) throw damaged();
    s.buf >>>= entry & 15;
    s.cnt -= entry & 15;
    return entry >> 4;
  }

  // The output, grown by doubling.
  function room(out, n, wanted) {
    if (n + wanted <= out.length) return out;
    const bigger = new Uint8Array(Math.max(out.length * 2, n + wanted));
    bigger.set(out.subarray(0, n));
    return bigger;
  }

  // A stored block: from the next byte boundary, LEN, its complement and LEN bytes as they are.
  function stored(s, out, n) {
    s.pos -= s.cnt >> 3; // the whole bytes read ahead are given back
    s.buf = s.cnt = 0;
    const { input, pos } = s;
    if (pos + 4 > input.length) throw damaged();
    const len = input[pos] | (input[pos + 1] << 8);
    if ((input[pos + 2] | (input[pos + 3] << 8)) !== (len ^ 0xffff) || pos + 4 + len > input.length) throw damaged();
    out = room(out, n, len);
    out.set(input.subarray(pos + 4, pos + 4 + len), n);
    s.pos = pos + 4 + len;
    return [out, n + len];
  }

  // A dynamic block's two codes, sent as code lengths, themselves coded with a code of code lengths.
  function dynamicCodes(s) {
    const literals = bits(s, 5) + 257;
    const distances = bits(s, 5) + 1;
    const given = bits(s, 4) + 4;
    if (literals > 286 || distances > 30) throw damaged();
    const lengthLengths = new Uint8Array(19);
    for (let i = 0; i < given; i++) lengthLengths[ORDER[i]] = bits(s, 3);
    const lengthCode = huffman(lengthLengths, false);
    const lengths = new Uint8Array(literals + distances);
    for (let i = 0; i < lengths.length; ) {
      const sym = symbol(s, lengthCode);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      // 16: the previous length 3-6 times; 17: zero 3-10 times; 18: zero 11-138 times.
      if (sym === 16 && i === 0) throw damaged();
      const times = sym === 16 ? 3 + bits(s, 2) : sym === 17 ? 3 + bits(s, 3) : 11 + bits(s, 7);
      if (i + times > lengths.length) throw damaged();
      lengths.fill(sym === 16 ? lengths[i - 1] : 0, i, i + times);
      i += times;
    }
    if (!lengths[256]) throw damaged(); // no end of block
    return [huffman(lengths.subarray(0, literals)), huffman(lengths.subarray(literals))];
  }

  // The symbols of a Huffman-coded block, to its end of block: the hot loop, on local variables.
  function decodeBlock(s, out, n, literals, distances) {
    const { input } = s;
    const end = input.length;
    const litTable = literals.table;
    const litMask = (1 << literals.bits) - 1;
    const distTable = distances.table;
    const distMask = (1 << distances.bits) - 1;
    let { pos, buf, cnt } = s;
    for (;;) {
      while (cnt <= 24) { // 25 bits or more: a literal/length code (15) and its extra bits (5)
        if (pos > end + 8) throw damaged();
        buf |= (pos < end ? input[pos] : 0) << cnt;
        pos++;
        cnt += 8;
      }
      let entry = litTable[buf & litMask];
      if (!entry) throw damaged();
      buf >>>= entry & 15;
      cnt -= entry & 15;
      let sym = entry >> 4;
      if (sym < 256) {
        if (n === out.length) out = room(out, n, 1);
        out[n++] = sym;
        continue;
      }
      if (sym === 256) break;
      sym -= 257;
      if (sym >= 29) throw damaged();
      const extra = LENGTH_EXTRA[sym];
      const len = LENGTH_BASE[sym] + (buf & ((1 << extra) - 1));
      buf >>>= extra;
      cnt -= extra;
      while (cnt <= 24) { // a distance code (15) and its extra bits (13) take at most 28 bits
        if (pos > end + 8) throw damaged();
        buf |= (pos < end ? input[pos] : 0) << cnt;
        pos++;
        cnt += 8;
      }
      entry = distTable[buf & distMask];
      if (!entry) throw damaged();
      buf >>>= entry & 15;
      cnt -= entry & 15;
      sym = entry >> 4;
      if (sym >= 30) throw damaged();
      const dextra = DIST_EXTRA[sym];
      const dist = DIST_BASE[sym] + (buf & ((1 << dextra) - 1));
      buf >>>= dextra;
      cnt -= dextra;
      if (dist > n) throw damaged(); // before the start of the output
      if (n + len > out.length) out = room(out, n, len);
      if (dist >= len) {
        out.copyWithin(n, n - dist, n - dist + len); // one call, not a loop (a store file's first decode: 1/6)
        n += len;
      } else {
        for (let from = n - dist, stop = n + len; n < stop; ) out[n++] = out[from++]; // overlaps: byte by byte
      }
    }
    s.pos = pos;
    s.buf = buf;
    s.cnt = cnt;
    return [out, n];
  }

  const BLOCKS = [ // by block type; 3 is reserved
    (s, out, n) => stored(s, out, n),
    (s, out, n) => decodeBlock(s, out, n, FIXED_LITERALS, FIXED_DISTANCES),
    (s, out, n) => decodeBlock(s, out, n, ...dynamicCodes(s)),
  ];

  function inflate(input) {
    const s = { input, pos: 0, buf: 0, cnt: 0 };
    let out = new Uint8Array(Math.max(1024, input.length * 4));
    let n = 0;
    for (let last = 0; !last; ) {
      last = bits(s, 1);
      const block = BLOCKS[bits(s, 2)];
      if (!block) throw damaged();
      [out, n] = block(s, out, n);
    }
    if (s.pos - (s.cnt >> 3) > input.length) throw damaged(); // it ended in the zeros past the input: cut short
    return out.slice(0, n);
  }

  globalThis.guanxinInflate = inflate;
})();
