// The /search/ page: runs ?q= (and the form) against the Pagefind bundle in ../pagefind/.
// Everything is local; the bundle is found relative to this file, so the site works
// under any subpath.
import { chineseDate, excerptParts, queryPieces, readableText, regionCounts, runSearch } from "./search-query.js";

const PAGE_SIZE = 10;
const SORTS = { new: { date: "desc" }, old: { date: "asc" } };

const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const regionSelect = document.getElementById("search-region");
const sortSelect = document.getElementById("search-sort");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const more = document.getElementById("search-more");

const baseTitle = document.title;
let pagefindModule = null;
let current = { results: [], shown: 0, query: "" };
let generation = 0; // a newer search makes an older one stop rendering

function pagefind() {
  pagefindModule ??= import(new URL("../pagefind/pagefind.js", import.meta.url).href);
  return pagefindModule;
}

function readParams() {
  const params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  regionSelect.value = params.get("region") || "";
  if (regionSelect.value !== (params.get("region") || "")) regionSelect.value = "";
  sortSelect.value = SORTS[params.get("sort")] ? params.get("sort") : "";
}

function writeParams() {
  const params = new URLSearchParams();
  if (input.value.trim()) params.set("q", input.value.trim());
  if (regionSelect.value) params.set("region", regionSelect.value);
  if (sortSelect.value) params.set("sort", sortSelect.value);
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function showCounts(counts) {
  for (const option of regionSelect.options) {
    if (!option.value) continue;
    const count = counts && counts[option.value];
    option.textContent = counts ? `${option.value}（${count || 0}）` : option.value;
  }
}

async function run() {
  const mine = ++generation;
  const query = input.value.trim();
  list.replaceChildren();
  more.hidden = true;
  document.title = query ? `“${query}” · ${baseTitle}` : baseTitle;
  if (!query) {
    status.textContent = "请输入要搜索的词语，例如：心理健康、五老、留守儿童。";
    showCounts(null);
    return;
  }
  if (!queryPieces(query).length) {
    status.textContent = `“${query}”中没有可以搜索的文字，请换一个词语。`;
    return;
  }
  status.textContent = "正在搜索……";
  let response;
  try {
    const pf = await pagefind();
    response = await runSearch(pf, query, { region: regionSelect.value, sort: SORTS[sortSelect.value] });
  } catch (error) {
    if (mine === generation) showUnavailable();
    console.error(error);
    return;
  }
  if (mine !== generation) return;
  current = { results: response.results, shown: 0, query };
  const where = regionSelect.value ? `在${regionSelect.value}的报告中` : "";
  status.textContent = response.results.length
    ? `${where}找到 ${response.results.length} 篇包含“${query}”的报告。`
    : `${where}没有找到包含“${query}”的报告。`;
  await showMore(mine);
  try {
    const regions = Array.from(regionSelect.options, (o) => o.value).filter(Boolean);
    const counts = await regionCounts(await pagefind(), query, regions);
    if (mine === generation) showCounts(counts);
  } catch (error) {
    console.error(error);
  }
}

// The search index could not be loaded (or the site was built without one).
function showUnavailable() {
  const link = (href, text) => Object.assign(document.createElement("a"), { href: new URL(href, location.href).href, textContent: text });
  status.replaceChildren("搜索索引没有载入，暂时无法搜索。您可以在", link("../archive/", "往期目录"), "中按年份查看各期，或在",
    link("../regions/", "各地"), "页面查看每个市（地）的全部报告。");
}

// The next PAGE_SIZE results; `focus` moves the keyboard to the first of them.
async function showMore(mine, focus = false) {
  const batch = current.results.slice(current.shown, current.shown + PAGE_SIZE);
  current.shown += batch.length;
  const data = await Promise.all(batch.map((r) => r.data()));
  if (mine !== generation) return;
  const items = data.map((record) => renderResult(record, current.query));
  list.append(...items);
  more.hidden = current.shown >= current.results.length;
  if (focus && items.length) items[0].querySelector("a").focus();
}

function renderResult(record, query) {
  const meta = record.meta || {};
  const item = document.createElement("li");
  item.className = "search-result";

  const heading = document.createElement("h2");
  const link = document.createElement("a");
  link.href = record.url;
  const region = document.createElement("span");
  region.className = "search-result-region";
  region.textContent = meta.region || "导语";
  link.append(region, " ", meta.title || "");
  heading.append(link);

  const line = document.createElement("p");
  line.className = "search-result-meta";
  const time = document.createElement("time");
  time.dateTime = meta.date || "";
  time.textContent = meta.date ? chineseDate(meta.date) : "";
  line.append(`${meta.label || ""} · `, time);

  const excerpt = document.createElement("p");
  excerpt.className = "search-result-excerpt";
  for (const [text, marked] of excerptParts(readableText(meta), query)) {
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
