// The /search/ page: runs ?q= (and the form) against the index in ../search/data/.
// A classic script, so that it also runs from file:// (the offline copy), where browsers
// refuse modules and fetch: there it only says that searching needs the web version.
// #search-status carries data-state: idle, searching, checking (first results shown, the rest of a
// long query still being checked), results (with data-count), none, invalid, unavailable, offline.
(function () {
  "use strict";
  var PAGE_SIZE = 10;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var regionSelect = document.getElementById("search-region");
  var sortSelect = document.getElementById("search-sort");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var script = document.currentScript.src;

  function setStatus(state, parts) {
    status.dataset.state = state;
    status.replaceChildren.apply(status, parts);
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = new URL(href, script).href;
    a.textContent = text;
    return a;
  }

  function elsewhere(before) {
    var index = location.protocol === "file:" ? "index.html" : ""; // from disk no server picks a folder's index.html
    return [before + "您可以在", link("../archive/" + index, "往期目录"), "中按年份查看各期，或在",
      link("../regions/" + index, "各地"), "页面查看每个市（地）的全部报告。"];
  }

  if (location.protocol === "file:") {
    setStatus("offline", elsewhere("这是网站的离线副本，不能搜索；搜索请使用网站版本。"));
    return;
  }

  var baseTitle = document.title;
  var q = null; // the module search-query.js
  var current = { ids: [], shown: 0, query: "" };
  var generation = 0; // a newer search makes an older one stop rendering

  function readParams() {
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    regionSelect.value = params.get("region") || "";
    if (regionSelect.value !== (params.get("region") || "")) regionSelect.value = "";
    sortSelect.value = params.get("sort") === "old" ? "old" : "";
  }

  function writeParams() {
    var params = new URLSearchParams();
    if (input.value.trim()) params.set("q", input.value.trim());
    if (regionSelect.value) params.set("region", regionSelect.value);
    if (sortSelect.value) params.set("sort", sortSelect.value);
    var search = params.toString();
    history.replaceState(null, "", search ? "?" + search : location.pathname);
  }

  function showCounts(counts) {
    for (var option of regionSelect.options) {
      if (!option.value) continue;
      option.textContent = counts ? option.value + "（" + (counts[option.value] || 0) + "）" : option.value;
    }
  }

  async function run() {
    var mine = ++generation;
    var query = input.value.trim();
    list.replaceChildren();
    more.hidden = true;
    delete status.dataset.count;
    document.title = query ? "“" + query + "” · " + baseTitle : baseTitle;
    if (!query) {
      setStatus("idle", ["请输入要搜索的词语，例如：心理健康、五老、留守儿童。"]);
      showCounts(null);
      return;
    }
    setStatus("searching", ["正在搜索……"]);
    var where = regionSelect.value ? "在" + regionSelect.value + "的报告中" : "";
    try {
      q = q || (await import(new URL("search-query.js", script).href));
      if (!q.keywords(query).length) {
        setStatus("invalid", ["“" + query + "”中没有可以搜索的文字，请换一个词语。"]);
        showCounts(null);
        return;
      }
      var found = await q.candidates(query);
      if (mine !== generation) return;
      var order = sortSelect.value === "old" ? found.ids : found.ids.slice().reverse();
      current = { query: query, order: order, unchecked: found.unchecked, at: 0, all: [], ids: [], shown: 0 };
      if (!found.unchecked.length) { // the index answered exactly: nothing to check
        current.at = order.length;
        current.all = order;
        current.ids = regionSelect.value ? await q.inRegion(order, regionSelect.value) : order;
      }
      await showMore(mine);
      if (mine !== generation) return;
      if (current.at < order.length) {
        setStatus("checking", [where + "已找到 " + current.ids.length + " 篇，正在核对其余的报告……"]);
        await fill(mine, Infinity);
        if (mine !== generation) return;
        more.hidden = current.shown >= current.ids.length;
      }
      showCounts(await q.regionCounts(current.all));
    } catch (error) {
      if (mine === generation) setStatus("unavailable", elsewhere("搜索索引没有载入，暂时无法搜索。"));
      console.error(error);
      return;
    }
    if (mine !== generation) return;
    var count = current.ids.length;
    if (!count) {
      setStatus("none", [where + "没有找到包含“" + query + "”的报告。"]);
      return;
    }
    setStatus("results", [where + "找到 " + count + " 篇包含“" + query + "”的报告。"]);
    status.dataset.count = String(count);
  }

  // Check candidates in the order shown until `wanted` results are known (or none are left):
  // only long keywords that the index cannot answer alone need it.
  async function fill(mine, wanted) {
    while (current.ids.length < wanted && current.at < current.order.length && mine === generation) {
      var batch = current.order.slice(current.at, current.at + 32);
      current.at += batch.length;
      var ok = await Promise.all(batch.map(function (id) { return q.check(id, current.unchecked); }));
      var kept = batch.filter(function (id, n) { return ok[n]; });
      current.all = current.all.concat(kept);
      current.ids = current.ids.concat(regionSelect.value ? await q.inRegion(kept, regionSelect.value) : kept);
    }
  }

  // The next PAGE_SIZE results; `focus` moves the keyboard to the first of them.
  async function showMore(mine, focus) {
    await fill(mine, current.shown + PAGE_SIZE);
    var batch = current.ids.slice(current.shown, current.shown + PAGE_SIZE);
    current.shown += batch.length;
    var docs = await Promise.all(batch.map(q.doc));
    if (mine !== generation) return;
    var items = docs.map(function (d) { return renderResult(d, current.query); });
    list.append.apply(list, items);
    more.hidden = current.shown >= current.ids.length && current.at >= current.order.length;
    if (focus && items.length) items[0].querySelector("a").focus();
  }

  function renderResult(d, query) {
    var item = document.createElement("li");
    item.className = "search-result";
    var heading = document.createElement("h2");
    var a = document.createElement("a");
    a.href = new URL(d.url, q.ROOT).href;
    var region = document.createElement("span");
    region.className = "search-result-region";
    region.textContent = d.region || "导语";
    a.append(region, " ", d.title);
    heading.append(a);

    var line = document.createElement("p");
    line.className = "search-result-meta";
    var time = document.createElement("time");
    time.dateTime = d.date;
    time.textContent = q.chineseDate(d.date);
    line.append(d.label + " · ", time);

    var excerpt = document.createElement("p");
    excerpt.className = "search-result-excerpt";
    for (var [text, marked] of q.excerptParts(d.text, query)) {
      if (marked) {
        var mark = document.createElement("mark");
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
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    writeParams();
    run();
  });
  for (var select of [regionSelect, sortSelect]) {
    select.addEventListener("change", function () {
      writeParams();
      run();
    });
  }
  more.addEventListener("click", function () { showMore(generation, true); });
  readParams();
  run();
})();
