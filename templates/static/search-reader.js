// The index reader of guanxin_site/search: reads search/data/ (format: docs/search.md, "Search index
// format") and answers queries; the /search/ page's UI (static/search-page.js) and any other page use
// it through the global `guanxinSearch` (the search page carries it inline, any other page may load
// this file). A classic script, not a module, because browsers refuse modules from file://: the
// offline copy runs this same code from disk. No dependencies; every file is read from this site,
// relative to this script (or to the search page), so the site works under any subpath.
// Keep fold(), keywords() and the lookup in step with guanxin_site/search/terms.py and reader.py
// (tests/search_vectors.json checks both).
(function () {
  "use strict";
  // Its own address, or the page's when it is inside the page (the search page carries it: /search/,
  // from where ../search/data/ is the same folder).
  const here = (document.currentScript && document.currentScript.src) || location.href;
  const DATA = new URL("../search/data/", here);
  const ROOT = new URL("../", here);

  const LETTER = /[\p{L}\p{N}]/u;
  // Keyword separators: Python's str.isspace() characters plus U+FEFF (search/terms.py SEPARATORS).
  const SEPARATORS = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/u;

  const folded = new Map();

  // One character as search compares it: NFKC, lower case, letters and digits only ("" if none).
  function foldChar(char) {
    let out = folded.get(char);
    if (out === undefined) {
      out = "";
      for (const c of char.normalize("NFKC").toLowerCase()) if (LETTER.test(c)) out += c;
      folded.set(char, out);
    }
    return out;
  }

  // Characters that fold to themselves: ASCII lower-case letters and digits, and the CJK ideographs
  // of U+4E00..U+9FA5 (assigned since Unicode 1.1: no decomposition, no case, letters). A report is
  // nearly all of them, so only the runs between them are folded character by character: on a
  // throttled phone that took a quarter of a second for the tail's texts.
  const NOT_ITSELF = /[^a-z0-9\u4e00-\u9fa5]+/gu;

  function foldRun(run) {
    let out = "";
    for (const char of run) out += foldChar(char);
    return out;
  }

  function fold(text) {
    return text.normalize("NFC").replace(NOT_ITSELF, foldRun);
  }

  // The keywords of a query: what the reader separated by spaces, folded; a report must contain each.
  function keywords(query) {
    return query.split(SEPARATORS).map(fold).filter(Boolean);
  }

  // -- reading files ---------------------------------------------------------------------------

  const files = new Map(); // name -> Promise of its contents: nothing is read twice

  function once(name, read) {
    let promise = files.get(name);
    if (!promise) {
      promise = read();
      promise.catch(() => files.delete(name)); // a failed read may be retried
      files.set(name, promise);
    }
    return promise;
  }

  // Raw DEFLATE is the browser's own DecompressionStream("deflate-raw") where it has one (Safari 16.4,
  // Chrome 103, Firefox 113), else static/inflate.js, loaded only then (WeChat on iOS before 16.4: every
  // iPhone 6s, 7 and SE stops at iOS 15). inflater(): a promise of the function that inflates bytes.
  const NATIVE_INFLATE = (() => {
    try {
      new DecompressionStream("deflate-raw");
      return true;
    } catch (error) {
      return false;
    }
  })();

  async function nativeInflate(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }

  function inflater() {
    if (NATIVE_INFLATE) return Promise.resolve(nativeInflate);
    return once("static/inflate.js", async () => {
      await appendScript(new URL("static/inflate.js", ROOT).href);
      if (!globalThis.guanxinInflate) throw new Error("static/inflate.js: no inflate");
      return globalThis.guanxinInflate;
    });
  }

  async function fetched(path) {
    const response = await fetch(new URL(path, DATA));
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  }

  // The offline copy (build --offline) holds the same files in classic scripts, which a page opened
  // from disk may load where it may not fetch: each calls guanxinSearchData(its name, "JSON"), the
  // JSON an object of the files it holds (path -> base64 of the file), or index.js's the manifest.
  const arrived = new Map(); // script name -> what to do with its data
  globalThis.guanxinSearchData = (name, json) => {
    const handle = arrived.get(name);
    if (handle) handle(json);
  };

  function script(name) {
    return once(`script:${name}`, () => new Promise((resolve, reject) => {
      arrived.set(name, (json) => { arrived.delete(name); resolve(JSON.parse(json)); });
      appendScript(new URL(name, DATA).href).then(() => arrived.has(name) && reject(new Error(`${name}: no data`)), reject);
    }).finally(() => arrived.delete(name)));
  }

  // A classic script added to the page: resolves once it has run.
  function appendScript(href) {
    return new Promise((resolve, reject) => {
      const element = document.createElement("script");
      element.onload = resolve;
      element.onerror = () => reject(new Error(`${href}: not loaded`));
      element.src = href;
      document.head.append(element);
    });
  }

  // The offline copy's script holding a data file (index.py offline_name): a shard's is that of its
  // number modulo packed[part] (the part's number of scripts), a segment's store files share one.
  function scriptOf(path, packed) {
    const [part, name] = path.split("/");
    const [tag, number] = name.slice(0, -4).split("-");
    return part === "d" ? `d/${tag}.js` : `${part}/${tag}-${(parseInt(number, 16) % packed[part]).toString(16)}.js`;
  }

  function base64(text) {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  // A data file's bytes, inflated (every .bin file is raw DEFLATE), from the server or the offline scripts.
  function binary(path) {
    return once(path, async () => {
      const packed = (await manifest()).offline;
      const read = async () => (packed ? base64((await script(scriptOf(path, packed)))[path]) : fetched(path));
      const [inflate, bytes] = await Promise.all([inflater(), read()]); // the decoder, if loaded, alongside
      return inflate(bytes);
    });
  }

  // Read from disk (file://), an index can only be the offline copy's.
  const fromDisk = () => location.protocol === "file:";

  // The index's manifest: the search page carries it (no request before the first search);
  // anywhere else it is read from index.json (index.js offline). The page's copy leaves out the
  // region of every doc (it grows with the archive): regionString() reads the whole manifest for it
  // when regions are first needed.
  function manifest() {
    const inline = document.getElementById("search-manifest");
    if (inline) return once("#search-manifest", async () => JSON.parse(inline.textContent));
    return fullManifest(fromDisk());
  }

  function fullManifest(offline) {
    return once("index.json", async () => offline ? script("index.js")
      : JSON.parse(new TextDecoder().decode(await fetched("index.json"))));
  }

  // One character per doc: "A" plus its region's place in manifest.regions, "-" for a lead text.
  async function regionString() {
    const m = await manifest();
    return m.region != null ? m.region : (await fullManifest(Boolean(m.offline))).region;
  }

  // -- the n-gram index ------------------------------------------------------------------------

  const CRC = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    CRC[n] = c;
  }
  const utf8 = new TextEncoder();
  const text8 = new TextDecoder();

  function crc32(bytes) {
    let c = -1;
    for (const b of bytes) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ -1) >>> 0;
  }

  function readVarint(bytes, at) {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at.pos++];
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return value;
      shift += 7;
    }
  }

  // A shard of the sealed part ("i") or of the tail ("t"): gram -> [count, start, end] of its doc list.
  const shards = new Map();

  // The file of a shard: named by the tail's tag, or by the sealed part's (or the edit's that wrote it again).
  function shardPath(m, part, number) {
    if (!m.edited) {
      m.edited = new Map();
      for (const [tag, numbers] of Object.entries(m.edits)) for (const n of numbers) m.edited.set(n, tag);
    }
    const edited = m.edited.get(number);
    const tag = part === "t" ? m.tailtag : edited != null ? edited : m.sealed;
    return `${part}/${tag}-${number.toString(16)}.bin`;
  }

  function shard(m, part, number) {
    const path = shardPath(m, part, number);
    let promise = shards.get(path);
    if (!promise) {
      promise = binary(path).then((bytes) => {
        const grams = new Map();
        const at = { pos: 0 };
        while (at.pos < bytes.length) {
          const length = readVarint(bytes, at);
          const gram = text8.decode(bytes.subarray(at.pos, at.pos + length));
          at.pos += length;
          const count = readVarint(bytes, at);
          const size = readVarint(bytes, at);
          grams.set(gram, [count, at.pos, at.pos + size]);
          at.pos += size;
        }
        return { bytes, grams };
      });
      promise.catch(() => shards.delete(path));
      shards.set(path, promise);
    }
    return promise;
  }

  function decode(bytes, [count, start, end]) {
    const ids = new Array(count);
    const at = { pos: start };
    let doc = -1;
    for (let n = 0; n < count; n++) ids[n] = doc += readVarint(bytes, at);
    if (at.pos !== end) throw new Error("damaged search index");
    return ids;
  }

  async function partList(m, part, count, hash, gram, gramLength) {
    if (!count) return [];
    const { bytes, grams } = await shard(m, part, hash % count);
    if (Array.from(gram).length !== gramLength - 1) return grams.has(gram) ? decode(bytes, grams.get(gram)) : [];
    // A gram one shorter than the longest has no list: it is the union of the lists of the longest grams it starts.
    const found = new Set();
    for (const [other, entry] of grams) {
      if (other.startsWith(gram) && Array.from(other).length === gramLength) for (const id of decode(bytes, entry)) found.add(id);
    }
    return [...found].sort((a, b) => a - b);
  }

  // The shard name of a gram: the CRC-32 of its UTF-8, for one of the longest grams of all but its last character.
  function gramHash(gram, gramLength) {
    const chars = Array.from(gram);
    return crc32(utf8.encode(chars.length === gramLength ? chars.slice(0, -1).join("") : gram));
  }

  // The docs containing a gram of at most manifest.gram characters, ascending: those of the
  // sealed part, then those of the tail (the newest issues), which all come after them.
  async function postings(gram) {
    const [sealed, tail] = await postingParts(gram);
    return sealed.concat(tail);
  }

  // The same as [the sealed part's docs, the tail's]. A tail of at most TAIL_SCAN store files is read
  // from its store, not its shards (tailScanned): one or two files fetched once for every keyword and
  // part of a query (they hold the newest results, which the page shows first) where the shards cost a
  // request for each (issue 25: a query with related results within 8 requests).
  async function postingParts(gram) {
    const m = await manifest();
    const hash = gramHash(gram, m.gram);
    return Promise.all([partList(m, "i", m.shards, hash, gram, m.gram),
      tailScanned(m) ? tailHolding(m, gram) : partList(m, "t", m.tail, hash, gram, m.gram)]);
  }

  // Store files of the tail up to which it is read from its store; a page may lower it before the
  // reader loads (globalThis.guanxinSearchTailScan; the tests read both ways). search/reader.py TAIL_SCAN.
  const TAIL_SCAN = globalThis.guanxinSearchTailScan != null ? globalThis.guanxinSearchTailScan : 2;

  function tailScanned(m) {
    return m.tail > 0 && Math.ceil((m.docs - m.bases[m.bases.length - 1]) / m.store) <= TAIL_SCAN;
  }

  // The tail's docs, each with its folded texts (text, headline, extra forms), read once.
  function tailTexts(m) {
    return once("tail texts", async () => {
      const ids = [];
      for (let id = m.bases[m.bases.length - 1]; id < m.docs; id++) ids.push(id);
      return (await Promise.all(ids.map(doc))).map((d) => [d.id, d.texts]);
    });
  }

  // The tail's docs holding a keyword, found as the index finds them: in one of their folded texts.
  async function tailHolding(m, keyword) {
    return (await tailTexts(m)).filter(([, texts]) => holds(texts, keyword)).map(([id]) => id);
  }

  function intersect(a, b) {
    const out = [];
    for (let i = 0, j = 0; i < a.length && j < b.length; ) {
      if (a[i] < b[j]) i++;
      else if (a[i] > b[j]) j++;
      else { out.push(a[i]); i++; j++; }
    }
    return out;
  }

  // -- the doc store ---------------------------------------------------------------------------

  // A doc: { id, url, title, label, date, region, text, names, terms, forms, texts }. Stored by segment
  // of issues; the store keeps the doc's names and the forms of names met in its text, and the rewritten
  // forms are made here as search/terms.py expand_rewrites makes them. texts: text, title and terms
  // folded, where a keyword is looked for. Made once per doc (a page reads a doc for the tail's texts,
  // then to rank and show it): callers must not change it.
  function doc(id) {
    return once(`doc:${id}`, () => readDoc(id));
  }

  async function readDoc(id) {
    const m = await manifest();
    let lo = 0;
    let hi = m.bases.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (m.bases[mid] <= id) lo = mid;
      else hi = mid - 1;
    }
    const offset = id - m.bases[lo];
    const path = `d/${m.segments[lo]}-${Math.floor(offset / m.store)}.bin`;
    const rows = await once(`rows:${path}`, async () => JSON.parse(text8.decode(await binary(path))));
    const [url, title, label, date, region, text, names, forms] = rows[offset % m.store];
    const named = names ? names.split("\n") : [];
    const folded = fold(text);
    const terms = [...named, ...expandRewrites(folded, forms)];
    const texts = [folded, fold(title), ...terms.map(fold)];
    return { id, url, title, label, date, region, text, names: named, terms, forms, texts };
  }

  const CONTEXT = 5; // characters kept each side of a rewritten name (terms.py CONTEXT)
  const SURROGATE = /[\ud800-\udfff]/;

  // Each occurrence of a form in the folded text (forms tried in the order given, the first that
  // fits taken), in each of its other forms, with CONTEXT characters (code points) each side.
  function expandRewrites(text, forms) {
    return [...new Set(rewrites(text, forms).map((r) => r.before + r.other + r.after))];
  }

  // One pattern per set of forms met, made once: many docs meet the same few names, and a page reads hundreds of docs.
  const patterns = new Map();

  function formsPattern(forms) {
    const key = forms.map(([form]) => form).join("\n");
    let pattern = patterns.get(key);
    if (!pattern) {
      pattern = new RegExp(forms.map(([form]) => form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gu");
      patterns.set(key, pattern);
    }
    return pattern;
  }

  // The occurrences behind expandRewrites: where the form is in the folded text (code units), and
  // the rewritten text's three pieces.
  function rewrites(text, forms) {
    if (!forms || !forms.length) return [];
    const others = new Map(forms);
    const pattern = formsPattern(forms);
    const out = [];
    pattern.lastIndex = 0; // exec, not matchAll (Safari 13): the pattern is global and shared
    for (let match; (match = pattern.exec(text)) !== null;) {
      const end = match.index + match[0].length;
      // 12 code units hold at least CONTEXT whole code points after a possibly cut first one. Without
      // a surrogate in them (nearly always) a code unit is a code point: no array of characters to make.
      const head = text.slice(Math.max(0, match.index - 12), match.index);
      const tail = text.slice(end, end + 10);
      const before = SURROGATE.test(head) ? Array.from(head).slice(-CONTEXT).join("") : head.slice(-CONTEXT);
      const after = SURROGATE.test(tail) ? Array.from(tail).slice(0, CONTEXT).join("") : tail.slice(0, CONTEXT);
      for (const other of others.get(match[0])) out.push({ from: match.index, to: end, before, other, after });
    }
    return out;
  }

  // Where a keyword lies in the folded text when it is found only through a rewritten name (关心下一代
  // 工作委员会 in a text that says 关工委): the span of the name as written, widened by the part of the
  // keyword that runs into its context. Spans in code units of the folded text.
  function rewriteSpans(text, keyword, forms) {
    const spans = [];
    for (const r of rewrites(text, forms)) {
      const whole = r.before + r.other + r.after;
      for (let j = whole.indexOf(keyword); j >= 0; j = whole.indexOf(keyword, j + 1)) {
        const end = j + keyword.length;
        const from = j < r.before.length ? r.from - (r.before.length - j) : r.from;
        const past = end - r.before.length - r.other.length;
        spans.push([from, past > 0 ? r.to + past : r.to]);
      }
    }
    return spans;
  }

  // Whether one of a doc's folded texts (doc().texts) holds a keyword: how the index finds it.
  function holds(texts, keyword) {
    return texts.some((t) => t.includes(keyword));
  }

  function docContains(d, keyword) {
    return holds(d.texts, keyword);
  }

  // -- searching -------------------------------------------------------------------------------

  // The docs that may contain a keyword, ascending, and whether each of them still has to be
  // checked against its text. Up to manifest.gram characters the index answers exactly, and so it
  // does for the longer names it holds whole; any other longer keyword is looked up by grams
  // covering it, and only the docs holding all of them can contain it.
  async function keywordCandidates(keyword) {
    const m = await manifest();
    const chars = Array.from(keyword);
    if (chars.length <= m.gram) return { ids: await postings(keyword), exact: true };
    // A long name indexed whole (terms.py long_phrases) has a list. A tail read from its store holds any
    // longer keyword it contains, name or not: only the sealed part's list then says it is a name.
    const [sealed, tail] = await postingParts(keyword);
    if (sealed.length || (tail.length && !tailScanned(m))) return { ids: sealed.concat(tail), exact: true };
    const starts = [];
    for (let s = 0; s + m.gram < chars.length; s += m.gram) starts.push(s);
    starts.push(chars.length - m.gram);
    const lists = await Promise.all(starts.map((s) => postings(chars.slice(s, s + m.gram).join(""))));
    return { ids: lists.reduce(intersect), exact: false };
  }

  // The docs that may contain every keyword (ascending, oldest first), the keywords each of them
  // must still be checked for with check(id, unchecked) (none for most queries), and the keywords
  // that no doc holds (missing).
  async function candidatesOf(words) {
    words = [...new Set(words)];
    if (!words.length) return { ids: [], unchecked: [], missing: [] };
    const found = await Promise.all(words.map(keywordCandidates));
    return { ids: found.map((f) => f.ids).reduce(intersect), unchecked: words.filter((w, n) => !found[n].exact),
      missing: words.filter((w, n) => !found[n].ids.length) };
  }

  function candidates(query) {
    return candidatesOf(keywords(query));
  }

  // Whether a doc contains every one of the keywords (in its text, headline or extra forms).
  async function check(id, unchecked) {
    if (!unchecked.length) return true;
    const d = await doc(id);
    return unchecked.every((keyword) => docContains(d, keyword));
  }

  // Every doc containing every keyword of the query, ascending (oldest first).
  async function search(query) {
    const { ids, unchecked } = await candidates(query);
    if (!unchecked.length) return ids;
    const ok = await Promise.all(ids.map((id) => check(id, unchecked)));
    return ids.filter((id, n) => ok[n]);
  }

  // How many of the docs are in each region: { region name: count }.
  async function regionCounts(ids) {
    if (!ids.length) return {};
    const m = await manifest();
    const region = await regionString();
    const counts = {};
    for (const id of ids) {
      const code = region.charCodeAt(id) - 65;
      if (code >= 0) counts[m.regions[code]] = (counts[m.regions[code]] || 0) + 1;
    }
    return counts;
  }

  // The docs of one region.
  async function inRegion(ids, region) {
    const m = await manifest();
    const regions = await regionString();
    const code = String.fromCharCode(65 + m.regions.indexOf(region));
    return ids.filter((id) => regions[id] === code);
  }

  // -- related results and suggestions -------------------------------------------------------

  // The vocabulary of suggestions and related results (search/suggest.py), read when first needed:
  // words (folded) with their kind (0 place name, 1 abbreviation, 2 frequent word) and number of
  // reports, and the toneless syllables of the characters they use.
  function vocabulary() {
    return once("vocabulary", async () => {
      const m = await manifest();
      const name = `suggest-${m.suggest}`;
      const data = m.offline ? await script(`${name}.js`)
        : JSON.parse(text8.decode(await fetched(`${name}.json`)));
      const sounds = new Map();
      for (const line of data.sounds.split("\n")) {
        const [syllable, chars] = line.split(" ");
        for (const char of chars || "") sounds.set(char, (sounds.get(char) || []).concat(syllable));
      }
      const words = data.words.map(([word, kind, reports]) => ({ word, kind, reports, chars: Array.from(word) }));
      return { words, known: new Map(words.map((w) => [w.word, w.reports])), sounds };
    });
  }

  // A keyword cut into pieces of two characters or more (of three at most but for words): the cut
  // most likely as words, scoring each piece by the share of reports holding it (a word of the
  // vocabulary; a piece of no word as if half a report held each two of its characters), so that
  // 学习留守儿童 is 学习 + 留守 + 儿童 rather than two rarer pieces. A keyword that is one word, or of three characters or fewer,
  // stays whole.
  function pieces(keyword, known, reports = 1) {
    const chars = Array.from(keyword);
    const n = chars.length;
    if (n <= 3 || known.has(keyword)) return [keyword];
    const best = new Array(n + 1).fill(null); // best[i]: [score, cut] of chars[i..]
    best[n] = [0, []];
    for (let i = n - 2; i >= 0; i--) {
      for (let size = 2; size <= Math.min(10, n - i, n - 1); size++) {
        const rest = best[i + size];
        const piece = chars.slice(i, i + size).join("");
        if (!rest || (size > 3 && !known.has(piece))) continue; // a piece of no word: two or three characters
        const score = rest[0] + (known.has(piece) ? Math.log(Math.max(known.get(piece), 1) / reports)
          : (size / 2) * Math.log(0.5 / reports)); // a piece of no word: the longer, the less likely
        if (!best[i] || score > best[i][0]) best[i] = [score, [piece, ...rest[1]]];
      }
    }
    return best[0][1];
  }

  // The parts of a query for related results: each keyword cut into pieces (pieces()), each part once.
  // A keyword of four characters is cut in two halves whatever the vocabulary says (pieces of three
  // characters or more of no word are not made), so the vocabulary is read only for longer ones.
  async function parts(query) {
    const words = keywords(query);
    const { known } = words.some((k) => Array.from(k).length > 4) ? await vocabulary() : { known: new Map() };
    const { docs } = await manifest();
    return [...new Set(words.flatMap((k) => pieces(k, known, docs)))];
  }

  // Related results: the docs that may contain every part of the query (ascending) and the parts each
  // must still be checked for (as candidatesOf). None when the parts are the query's own keywords.
  // wanted: how many the page shows first (it reads their docs; see warmNewestSealed).
  async function related(query, wanted = 10) {
    const words = [...new Set(keywords(query))];
    const cut = await parts(query);
    if (cut.length <= words.length) return { parts: cut, ids: [], unchecked: [] };
    warmNewestSealed(words, cut, wanted).catch(() => {}); // a failed read is tried again when the doc is read
    return { parts: cut, ...(await candidatesOf(cut)) };
  }

  // Related results are shown newest first (the page passes wanted 0 when they are shown oldest first).
  // When the tail (read from its store) holds fewer than `wanted` of them, the first screen needs docs
  // of the sealed part, most likely of its newest store file: read it once the tail's texts are in,
  // while the parts' shards are still on their way, not after them. On a slow link that is one round
  // trip fewer before the first result (issue 10: within a second on a throttled phone), for a file the
  // page then reads most often. With a region chosen the tail is still counted over every region, which
  // can only make the early read rarer.
  async function warmNewestSealed(words, cut, wanted) {
    const m = await manifest();
    const newestSealed = m.bases[m.bases.length - 1] - 1;
    if (!tailScanned(m) || newestSealed < 0) return;
    const inTail = (await tailTexts(m)).filter(([, texts]) => cut.every((part) => holds(texts, part))
      && !words.every((word) => holds(texts, word))).length; // an exact result is not a related one
    if (inTail < wanted) await doc(newestSealed);
  }

  // How far apart the parts stand in a doc: the fewest characters of its folded text (or headline, or
  // an extra form) holding every part; Infinity when no one text holds them all.
  function spread(d, partList) {
    let best = Infinity;
    for (const text of d.texts) {
      const hits = [];
      partList.forEach((part, n) => {
        for (let i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) hits.push([i, i + part.length, n]);
      });
      hits.sort((a, b) => a[0] - b[0]);
      const count = new Array(partList.length).fill(0);
      let have = 0;
      for (let lo = 0, hi = 0; hi < hits.length; hi++) { // the shortest window of hits holding every part
        if (count[hits[hi][2]]++ === 0) have++;
        while (have === partList.length) {
          let end = 0;
          for (let k = lo; k <= hi; k++) end = Math.max(end, hits[k][1]);
          best = Math.min(best, end - hits[lo][0]);
          if (--count[hits[lo][2]] === 0) have--;
          lo++;
        }
      }
    }
    return best;
  }

  // Words of the vocabulary a keyword that found nothing may have meant: of its length, read with
  // the same syllables (tones ignored) or with one character changed; best first (both, then the
  // same sound, then one character; place names, abbreviations, frequent words; more reports).
  async function suggestions(keyword, count = 3) {
    const { words, sounds } = await vocabulary();
    const chars = Array.from(keyword);
    const alike = (a, b) => a === b || (sounds.get(a) || []).some((s) => (sounds.get(b) || []).includes(s));
    const found = [];
    for (const w of words) {
      if (w.chars.length !== chars.length || w.word === keyword) continue;
      const changed = w.chars.filter((c, i) => c !== chars[i]).length;
      const sound = w.chars.every((c, i) => alike(c, chars[i]));
      if (!sound && changed !== 1) continue;
      found.push({ word: w.word, rank: [sound && changed === 1 ? 0 : sound ? 1 : 2, w.kind, -w.reports, w.word] });
    }
    found.sort((a, b) => compare(a.rank, b.rank));
    const sound = found.filter((f) => f.rank[0] < 2); // a word read the same beats any one-character change
    return (sound.length ? sound : found).slice(0, count).map((f) => f.word);
  }

  function compare(a, b) {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return 0;
  }

  // -- excerpts --------------------------------------------------------------------------------

  // "2023-11-17" -> "2023年11月17日", as the site writes dates.
  function chineseDate(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return `${y}年${m}月${d}日`;
  }

  // An excerpt of about `length` characters of the text around the first match of the keywords, as
  // [piece, marked] pairs. Matching is on the folded text, as the index's is, so a match runs across
  // punctuation. forms: the doc's stored forms of names, so that a keyword found only in a rewritten
  // name marks the name as written (关工委 for 关心下一代工作委员会); nothing is marked for a report
  // found by its headline or names alone.
  function excerptParts(text, query, length = 90, forms = []) {
    const { letters, at } = letterIndex(text);
    const spans = [];
    for (const [n, target] of keywords(query).entries()) {
      const literal = [];
      for (let i = letters.indexOf(target); i >= 0; i = letters.indexOf(target, i + 1)) literal.push([i, i + target.length]);
      for (const [from, to] of literal.length ? literal : rewriteSpans(letters, target, forms)) {
        spans.push([at[from], endOf(text, at[to - 1]), n]);
      }
    }
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const first = closest(spans);
    let start = Math.max(0, first - Math.floor(length / 3));
    let end = Math.min(text.length, start + length);
    start = Math.max(0, Math.min(start, end - length));
    for (const [from, to] of spans) if (from < end && to > end) end = to; // no highlight cut in two
    const parts = [];
    if (start > 0) parts.push(["……", false]);
    let pos = start;
    for (const [from, to] of spans) {
      if (to <= pos || from >= end) continue;
      const a = Math.max(from, pos);
      const b = Math.min(to, end);
      if (a > pos) parts.push([text.slice(pos, a), false]);
      parts.push([text.slice(a, b), true]);
      pos = b;
    }
    if (pos < end) parts.push([text.slice(pos, end), false]);
    if (end < text.length) parts.push(["……", false]);
    return parts;
  }

  // Where the excerpt centres: the start of the shortest stretch holding a span of every keyword
  // found (so that related results show their parts together), the first span if none holds them all.
  function closest(spans) {
    if (!spans.length) return 0;
    const wanted = new Set(spans.map((s) => s[2])).size;
    let best = [Infinity, spans[0][0]];
    for (let i = 0; i < spans.length; i++) {
      const seen = new Set();
      for (let j = i; j < spans.length && seen.size < wanted; j++) {
        seen.add(spans[j][2]);
        if (seen.size === wanted && spans[j][1] - spans[i][0] < best[0]) best = [spans[j][1] - spans[i][0], spans[i][0]];
      }
    }
    return best[1];
  }

  function endOf(text, i) {
    return i + (text.codePointAt(i) > 0xffff ? 2 : 1);
  }

  // The folded text, with the position in the text of each of its UTF-16 units.
  function letterIndex(text) {
    let letters = "";
    const at = [];
    for (let i = 0; i < text.length; ) {
      const char = String.fromCodePoint(text.codePointAt(i));
      const f = foldChar(char);
      letters += f;
      for (let k = 0; k < f.length; k++) at.push(i);
      i += char.length;
    }
    return { letters, at };
  }

  globalThis.guanxinSearch = Object.freeze({
    DATA, ROOT, SEPARATORS, foldChar, fold, keywords, crc32, manifest, postings, intersect, doc, expandRewrites,
    keywordCandidates, candidates, candidatesOf, check, search, regionCounts, inRegion, chineseDate, excerptParts,
    vocabulary, pieces, parts, related, spread, suggestions,
  });
})();
