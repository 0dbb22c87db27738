// The query side of the character n-gram index that guanxin_site/search.py builds.
// Keep the two in step: same normalisation, same letters, same spelling, same WINDOW.
// Why the index is built this way is explained at the top of search.py.

export const WINDOW = 2;
const LETTERS = "abcdefghijklmnopqrstuvwxyz";
const CODE_LIMIT = 0x40000;
const NOT_LETTERS = /[^\p{L}\p{N}]+/gu; // search.py: [\W_]+
const LETTER = /[\p{L}\p{N}]/u;

export function normalize(text) {
  return text.normalize("NFKC").toLowerCase();
}

// The keywords of a query: what the reader separated by spaces, each without punctuation.
export function keywords(query) {
  return normalize(query).split(/\s+/).map((k) => k.replace(NOT_LETTERS, "")).filter(Boolean);
}

// A string in the private alphabet: four letters a-z per character, its code point in base 26.
export function spell(text) {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0);
    if (code >= CODE_LIMIT) continue;
    out += LETTERS[Math.floor(code / 17576)] + LETTERS[Math.floor(code / 676) % 26] +
      LETTERS[Math.floor(code / 26) % 26] + LETTERS[code % 26];
  }
  return out;
}

// Each keyword as its overlapping WINDOW-long pieces (心理健康: 心理 理健 健康), which
// Pagefind ANDs. Wherever a keyword occurs in a text, each of its pieces starts one of the
// text's windows, so nothing containing the keyword is missed; the overlap keeps out most
// texts that merely contain the pieces apart (心理辅导……健康成长).
export function queryPieces(query) {
  const pieces = [];
  for (const keyword of keywords(query)) {
    const chars = Array.from(keyword);
    if (chars.length <= WINDOW) {
      pieces.push(keyword);
      continue;
    }
    for (let s = 0; s + WINDOW <= chars.length; s++) pieces.push(chars.slice(s, s + WINDOW).join(""));
  }
  return pieces;
}

// The indexed word of a region's reports (search.py region_word); added to a query, it
// keeps that region's reports only.
export function regionWord(region) {
  return `z${spell(region)}z`;
}

// Search the bundle (the module imported from pagefind/pagefind.js) for a query typed by a
// reader, optionally in one region's reports and sorted ({ date: "desc" }). Returns
// Pagefind's response, with no results when the query has nothing searchable or when a
// piece of it occurs nowhere: Pagefind drops a word it cannot find and ANDs the rest, which
// would answer 哈尔滨 with every 齐齐哈尔. A word Pagefind kept is in every result, so the
// first result tells whether one was dropped.
export async function runSearch(pagefind, query, { region = "", sort = null } = {}) {
  const words = [...new Set(queryPieces(query).map(spell).filter(Boolean))];
  const none = { results: [] };
  if (!words.length) return none;
  if (region) words.push(regionWord(region));
  const response = await pagefind.search(words.join(" "), sort ? { sort } : {});
  if (!response.results.length) return response;
  const first = await response.results[0].data();
  const indexed = ` ${first.content || ""}`; // a record's content is its indexed words
  return words.every((w) => indexed.includes(` ${w}`)) ? response : none;
}

// How many reports of each region a query finds: { region: count }.
export async function regionCounts(pagefind, query, regions) {
  const counts = {};
  for (const region of regions) {
    counts[region] = (await runSearch(pagefind, query, { region })).results.length;
  }
  return counts;
}

// The readable text of a record: its "text" meta field, which search.py conceal() wrote in
// private-use characters so that Pagefind would not index it.
export function readableText(meta) {
  let out = "";
  let high = 0;
  for (const char of meta.text || "") {
    const code = char.codePointAt(0);
    if (code >= 0x100400) out += String.fromCodePoint(0x10000 + (high << 10) + (code - 0x100400));
    else if (code >= 0x100000) high = code - 0x100000;
    else if (code >= 0xf0000) out += String.fromCodePoint(code - 0xf0000);
    else out += char;
  }
  return out;
}

// "2023-11-17" -> "2023年11月17日", as the site writes dates.
export function chineseDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

// An excerpt of about `length` characters around the first place the query occurs, as
// [text, highlighted] parts. Matching ignores punctuation and spaces, as the index does.
// Whole keywords are highlighted; if none occurs (the report was found through an
// abbreviation or its headline), the pieces of two characters or more that do.
export function excerptParts(text, query, length = 90) {
  const { letters, at } = letterIndex(text);
  const find = (t) => letters.indexOf(t);
  let targets = keywords(query).filter((k) => find(k) >= 0);
  if (!targets.length) targets = queryPieces(query).filter((p) => Array.from(p).length > 1 && find(p) >= 0);
  const spans = [];
  for (const target of targets) {
    for (let i = find(target); i >= 0; i = letters.indexOf(target, i + 1)) {
      spans.push([at[i], endOf(text, at[i + target.length - 1])]);
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

// The text's letters and digits, lower-cased, with the position in the text of each.
function letterIndex(text) {
  let letters = "";
  const at = [];
  for (let i = 0; i < text.length; ) {
    const char = String.fromCodePoint(text.codePointAt(i));
    if (LETTER.test(char)) {
      const lower = char.toLowerCase();
      letters += lower;
      for (let k = 0; k < lower.length; k++) at.push(i);
    }
    i += char.length;
  }
  return { letters, at };
}
