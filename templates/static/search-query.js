// The browser side of guanxin_site/search: reads the index in search/data/ (format: README.md,
// "Search index format"), and runs the /search/ page when that page loads it (the end of this
// file). No dependencies; everything is fetched from this site, relative to this file, so the
// site works under any subpath. Keep fold(), keywords() and the lookup in
// step with guanxin_site/search/terms.py and reader.py (tests/search_vectors.json checks both).

export const DATA = new URL("../search/data/", import.meta.url);
export const ROOT = new URL("../", import.meta.url);

const LETTER = /[\p{L}\p{N}]/u;
// Keyword separators: Python's str.isspace() characters plus U+FEFF (search/terms.py SEPARATORS).
export const SEPARATORS = /[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]+/u;

const folded = new Map();

// One character as search compares it: NFKC, lower case, letters and digits only ("" if none).
export function foldChar(char) {
  let out = folded.get(char);
  if (out === undefined) {
    out = "";
    for (const c of char.normalize("NFKC").toLowerCase()) if (LETTER.test(c)) out += c;
    folded.set(char, out);
  }
  return out;
}

export function fold(text) {
  let out = "";
  for (const char of text.normalize("NFC")) out += foldChar(char);
  return out;
}

// The keywords of a query: what the reader separated by spaces, folded; a report must contain each.
export function keywords(query) {
  return query.split(SEPARATORS).map(fold).filter(Boolean);
}

// -- fetching ------------------------------------------------------------------------------

const files = new Map(); // path -> Promise of its contents: nothing is fetched twice

async function inflate(response) {
  const stream = response.body.pipeThrough(new DecompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function fetchFile(path, parse) {
  let promise = files.get(path);
  if (!promise) {
    promise = (async () => {
      const response = await fetch(new URL(path, DATA));
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return parse(response);
    })();
    promise.catch(() => files.delete(path)); // a failed fetch may be retried
    files.set(path, promise);
  }
  return promise;
}

// The index's manifest: the search page carries it (no request before the first search); anywhere
// else it is fetched. The page's copy leaves out the region of every doc (it grows with the archive):
// regionString() fetches index.json for it when regions are first needed.
export function manifest() {
  const inline = globalThis.document?.getElementById("search-manifest");
  if (!inline) return fetchFile("index.json", (r) => r.json());
  if (!files.has("#search-manifest")) files.set("#search-manifest", Promise.resolve(JSON.parse(inline.textContent)));
  return files.get("#search-manifest");
}

// One character per doc: "A" plus its region's place in manifest.regions, "-" for a lead text.
async function regionString() {
  const m = await manifest();
  return m.region ?? (await fetchFile("index.json", (r) => r.json())).region;
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

export function crc32(bytes) {
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
async function shard(part, number) {
  return fetchFile(`${part}/${number.toString(16)}.bin`, async (response) => {
    const bytes = await inflate(response);
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
}

function decode(bytes, [count, start, end]) {
  const ids = new Array(count);
  const at = { pos: start };
  let doc = -1;
  for (let n = 0; n < count; n++) ids[n] = doc += readVarint(bytes, at);
  if (at.pos !== end) throw new Error("damaged search index");
  return ids;
}

async function partList(part, shards, hash, gram, gramLength) {
  if (!shards) return [];
  const { bytes, grams } = await shard(part, hash % shards);
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
export async function postings(gram) {
  const m = await manifest();
  const hash = gramHash(gram, m.gram);
  const [sealed, tail] = await Promise.all([partList("i", m.shards, hash, gram, m.gram),
    partList("t", m.tail, hash, gram, m.gram)]);
  return sealed.concat(tail);
}

export function intersect(a, b) {
  const out = [];
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else { out.push(a[i]); i++; j++; }
  }
  return out;
}

// -- the doc store ---------------------------------------------------------------------------

// A doc: { id, url, title, label, date, region, text, terms }. Stored by segment of issues; the
// store keeps the doc's names and the forms of names met in its text, and the rewritten forms are
// made here as search/terms.py expand_rewrites makes them.
export async function doc(id) {
  const m = await manifest();
  let lo = 0;
  let hi = m.bases.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (m.bases[mid] <= id) lo = mid;
    else hi = mid - 1;
  }
  const offset = id - m.bases[lo];
  const path = `d/${lo}-${Math.floor(offset / m.store)}.bin`;
  const rows = await fetchFile(path, async (r) => JSON.parse(text8.decode(await inflate(r))));
  const [url, title, label, date, region, text, names, forms] = rows[offset % m.store];
  const terms = [...(names ? names.split("\n") : []), ...expandRewrites(fold(text), forms)];
  return { id, url, title, label, date, region, text, terms, forms };
}

const CONTEXT = 5; // characters kept each side of a rewritten name (terms.py CONTEXT)

// Each occurrence of a form in the folded text (forms tried in the order given, the first that
// fits taken), in each of its other forms, with CONTEXT characters (code points) each side.
export function expandRewrites(folded, forms) {
  return [...new Set(rewrites(folded, forms).map((r) => r.before + r.other + r.after))];
}

// The occurrences behind expandRewrites: where the form is in the folded text (code units), and
// the rewritten text's three pieces.
function rewrites(folded, forms) {
  if (!forms || !forms.length) return [];
  const others = new Map(forms);
  const pattern = new RegExp(forms.map(([form]) => form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gu");
  const out = [];
  for (const match of folded.matchAll(pattern)) {
    const end = match.index + match[0].length;
    // 12 code units hold at least CONTEXT whole code points after a possibly cut first one.
    const before = Array.from(folded.slice(Math.max(0, match.index - 12), match.index)).slice(-CONTEXT).join("");
    const after = Array.from(folded.slice(end, end + 10)).slice(0, CONTEXT).join("");
    for (const other of others.get(match[0])) out.push({ from: match.index, to: end, before, other, after });
  }
  return out;
}

// Where a keyword lies in the folded text when it is found only through a rewritten name (关心下一代
// 工作委员会 in a text that says 关工委): the span of the name as written, widened by the part of the
// keyword that runs into its context. Spans in code units of the folded text.
function rewriteSpans(folded, keyword, forms) {
  const spans = [];
  for (const r of rewrites(folded, forms)) {
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

function docContains(d, keyword) {
  return [d.text, d.title, ...d.terms].some((t) => fold(t).includes(keyword));
}

// -- searching -------------------------------------------------------------------------------

// The docs that may contain a keyword, ascending, and whether each of them still has to be
// checked against its text. Up to manifest.gram characters the index answers exactly, and so it
// does for the longer names it holds whole; any other longer keyword is looked up by grams
// covering it, and only the docs holding all of them can contain it.
export async function keywordCandidates(keyword) {
  const m = await manifest();
  const chars = Array.from(keyword);
  if (chars.length <= m.gram) return { ids: await postings(keyword), exact: true };
  const whole = await postings(keyword); // a long name indexed whole (terms.py long_phrases)
  if (whole.length) return { ids: whole, exact: true };
  const starts = [];
  for (let s = 0; s + m.gram < chars.length; s += m.gram) starts.push(s);
  starts.push(chars.length - m.gram);
  const lists = await Promise.all(starts.map((s) => postings(chars.slice(s, s + m.gram).join(""))));
  return { ids: lists.reduce(intersect), exact: false };
}

// The docs that may contain every keyword of the query (ascending, oldest first), and the
// keywords each of them must still be checked for with check(id, unchecked); none for most queries.
export async function candidates(query) {
  const words = [...new Set(keywords(query))];
  if (!words.length) return { ids: [], unchecked: [] };
  const found = await Promise.all(words.map(keywordCandidates));
  return { ids: found.map((f) => f.ids).reduce(intersect), unchecked: words.filter((w, n) => !found[n].exact) };
}

// Whether a doc contains every one of the keywords (in its text, headline or extra forms).
export async function check(id, unchecked) {
  if (!unchecked.length) return true;
  const d = await doc(id);
  return unchecked.every((keyword) => docContains(d, keyword));
}

// Every doc containing every keyword of the query, ascending (oldest first).
export async function search(query) {
  const { ids, unchecked } = await candidates(query);
  if (!unchecked.length) return ids;
  const ok = await Promise.all(ids.map((id) => check(id, unchecked)));
  return ids.filter((id, n) => ok[n]);
}

// How many of the docs are in each region: { region name: count }.
export async function regionCounts(ids) {
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
export async function inRegion(ids, region) {
  const m = await manifest();
  const regions = await regionString();
  const code = String.fromCharCode(65 + m.regions.indexOf(region));
  return ids.filter((id) => regions[id] === code);
}

// -- showing results ---------------------------------------------------------------------------

// "2023-11-17" -> "2023年11月17日", as the site writes dates.
export function chineseDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

// An excerpt of about `length` characters around the first place a keyword occurs, as
// [text, highlighted] parts. Matching is on the folded text, as the index's is; the keywords
// found are highlighted (none, if the report was found by its headline or another form of a name).
// An excerpt of the text around the first match of the query, as [piece, marked] pairs. forms: the
// doc's stored forms of names, so that a keyword found only in a rewritten name marks the name as
// written (关工委 for 关心下一代工作委员会).
export function excerptParts(text, query, length = 90, forms = []) {
  const { letters, at } = letterIndex(text);
  const spans = [];
  for (const target of keywords(query)) {
    const literal = [];
    for (let i = letters.indexOf(target); i >= 0; i = letters.indexOf(target, i + 1)) literal.push([i, i + target.length]);
    for (const [from, to] of literal.length ? literal : rewriteSpans(letters, target, forms)) {
      spans.push([at[from], endOf(text, at[to - 1])]);
    }
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const first = spans.length ? spans[0][0] : 0;
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

// -- the /search/ page ---------------------------------------------------------------------------
// templates/search.html loads this module from its inline loader (which says "offline" from
// file://, where modules are refused); imported anywhere else, the module only exports.
// #search-status carries data-state: loading (in the HTML), idle, searching, checking (first
// results shown, the rest of a long query still being checked), results (with data-count), none,
// invalid, unavailable, offline.

const PAGE_SIZE = 10;

function startPage() {
  const form = document.getElementById("search-form");
  if (form) searchPage(form);
}

if (globalThis.document) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startPage);
  else startPage();
}

function searchPage(form) {
  const input = document.getElementById("search-q");
  const regionSelect = document.getElementById("search-region");
  const sortSelect = document.getElementById("search-sort");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-results");
  const more = document.getElementById("search-more");
  const baseTitle = document.title;
  let current = { ids: [], shown: 0, query: "" };
  let generation = 0; // a newer search makes an older one stop rendering

  function setStatus(state, parts) {
    status.dataset.state = state;
    status.replaceChildren(...parts);
  }

  // The archive and region links the page holds for when searching cannot be done.
  function elsewhere(before) {
    return [before, document.getElementById("search-elsewhere").content.cloneNode(true)];
  }

  function readParams() {
    const params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    regionSelect.value = params.get("region") || "";
    if (regionSelect.value !== (params.get("region") || "")) regionSelect.value = "";
    sortSelect.value = params.get("sort") === "old" ? "old" : "";
  }

  function writeParams() {
    const params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    if (regionSelect.value) params.set("region", regionSelect.value);
    if (sortSelect.value) params.set("sort", sortSelect.value);
    const search = params.toString();
    history.replaceState(null, "", search ? "?" + search : location.pathname);
  }

  function showCounts(counts) {
    for (const option of regionSelect.options) {
      if (!option.value) continue;
      option.textContent = counts ? `${option.value}（${counts[option.value] || 0}）` : option.value;
    }
  }

  async function run() {
    const mine = ++generation;
    const query = input.value.trim();
    showCounts(null); // the last query's counts are not this one's
    list.replaceChildren();
    more.hidden = true;
    delete status.dataset.count;
    document.title = query ? `“${query}” · ${baseTitle}` : baseTitle;
    if (!query) {
      setStatus("idle", ["请输入要搜索的词语，例如：心理健康、五老、留守儿童。"]);
      return;
    }
    if (!keywords(query).length) {
      setStatus("invalid", [`“${query}”中没有可以搜索的文字，请换一个词语。`]);
      return;
    }
    setStatus("searching", ["正在搜索……"]);
    const where = regionSelect.value ? `在${regionSelect.value}的报告中` : "";
    try {
      const found = await candidates(query);
      if (mine !== generation) return;
      const order = sortSelect.value === "old" ? found.ids : found.ids.slice().reverse();
      current = { query, order, unchecked: found.unchecked, at: 0, all: [], ids: [], shown: 0 };
      if (!found.unchecked.length) { // the index answered exactly: nothing to check
        current.at = order.length;
        current.all = order;
        current.ids = regionSelect.value ? await inRegion(order, regionSelect.value) : order;
        if (mine !== generation) return;
      }
      await showMore(mine);
      if (mine !== generation) return;
      if (current.at < order.length) {
        setStatus("checking", [`${where}已找到 ${current.ids.length} 篇，正在核对其余的报告……`]);
        await fill(mine, Infinity);
        if (mine !== generation) return;
        more.hidden = current.shown >= current.ids.length;
      }
    } catch (error) {
      if (mine === generation) setStatus("unavailable", elsewhere("搜索索引没有载入，暂时无法搜索。"));
      console.error(error);
      return;
    }
    if (mine !== generation) return;
    const count = current.ids.length;
    if (!count) {
      setStatus("none", [`${where}没有找到包含“${query}”的报告。`]);
    } else {
      setStatus("results", [`${where}找到 ${count} 篇包含“${query}”的报告。`]);
      status.dataset.count = String(count);
    }
    // The region filter's counts come last: they need each doc's region, which the page fetches
    // (index.json) only after the answer has been painted.
    const all = current.all;
    requestAnimationFrame(() => setTimeout(() => {
      if (mine === generation) regionCounts(all).then((counts) => mine === generation && showCounts(counts), console.error);
    }));
  }

  // Check candidates in the order shown until `wanted` results are known (or none are left):
  // only long keywords that the index cannot answer alone need it.
  // Each run works on its own `current` (cur): a newer search replaces `current` while an older one
  // may still be waiting for a file, and the older one must then change nothing.
  async function fill(mine, wanted) {
    const cur = current;
    while (cur.ids.length < wanted && cur.at < cur.order.length && mine === generation) {
      const batch = cur.order.slice(cur.at, cur.at + 32);
      cur.at += batch.length;
      const ok = await Promise.all(batch.map((id) => check(id, cur.unchecked)));
      const kept = batch.filter((id, n) => ok[n]);
      const shown = regionSelect.value ? await inRegion(kept, regionSelect.value) : kept;
      if (mine !== generation) return;
      cur.all = cur.all.concat(kept);
      cur.ids = cur.ids.concat(shown);
    }
  }

  // The next PAGE_SIZE results; `focus` moves the keyboard to the first of them.
  async function showMore(mine, focus) {
    const cur = current;
    await fill(mine, cur.shown + PAGE_SIZE);
    if (mine !== generation) return;
    const batch = cur.ids.slice(cur.shown, cur.shown + PAGE_SIZE);
    cur.shown += batch.length;
    const docs = await Promise.all(batch.map(doc));
    if (mine !== generation) return;
    const items = docs.map((d) => renderResult(d, cur.query));
    list.append(...items);
    more.hidden = cur.shown >= cur.ids.length && cur.at >= cur.order.length;
    if (focus && items.length) items[0].querySelector("a").focus();
  }

  form.hidden = false;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    writeParams();
    run();
  });
  for (const select of [regionSelect, sortSelect]) {
    select.addEventListener("change", () => {
      writeParams();
      run();
    });
  }
  more.addEventListener("click", () => showMore(generation, true));
  readParams();
  run();
}

function renderResult(d, query) {
  const item = document.createElement("li");
  item.className = "search-result";
  const heading = document.createElement("h2");
  const a = document.createElement("a");
  a.href = new URL(d.url, ROOT).href;
  const region = document.createElement("span");
  region.className = "search-result-region";
  region.textContent = d.region || "导语";
  a.append(region, " ", d.title);
  heading.append(a);

  const line = document.createElement("p");
  line.className = "search-result-meta";
  const time = document.createElement("time");
  time.dateTime = d.date;
  time.textContent = chineseDate(d.date);
  line.append(`${d.label} · `, time);

  const excerpt = document.createElement("p");
  excerpt.className = "search-result-excerpt";
  for (const [text, marked] of excerptParts(d.text, query, 90, d.forms)) {
    if (marked) {
      const mark = document.createElement("mark");
      mark.textContent = text;
      excerpt.append(mark);
    } else {
      excerpt.append(text);
    }
  }
  item.append(heading, line, excerpt);
  return item;
}
