// The /search/ page's UI: inlined by templates/search.html, as is static/search-reader.js (the index
// reader, global `guanxinSearch`) after it; this runs once the page is parsed.
// #search-status carries data-state: loading (in the HTML), idle, searching, checking (first
// results shown, the rest of a long query still being checked), results (with data-count), none,
// invalid, unavailable (no reader or no index), offline (a copy opened from disk without its index).
// When fewer than RELATED_BELOW reports hold the query, #search-related shows related results (the
// reports holding every part of it, search-reader.js related()) with data-state searching, results
// (and data-count) or none; when a keyword finds nothing, #search-suggest (data-state searching,
// then shown or none) offers words of the archive it may have meant.
(function () {
  "use strict";
  const PAGE_SIZE = 10;
  const RELATED_BELOW = 10; // exact results fewer than a page: related ones follow
  // Related candidates are read newest first (their text is needed) and ranked by how close their parts
  // stand: the first ten (one or two store files, for a first screen within issue 10's budget), then
  // RANKED at a time.
  const RANKED = 40;
  // Said to readers, who never run a command: how an editor makes a copy that searches from disk
  // (build --offline) is in the editors' guide, not here.
  const OFFLINE_COPY = "这是网站的离线副本，不能在这里搜索，请在网上打开本站搜索。";

  // What replaceChildren does: Safari has it only from 14 (WeChat on an iPhone 6: Safari 12).
  function setChildren(node, ...children) {
    node.textContent = "";
    node.append(...children);
  }

  function start() {
    const form = document.getElementById("search-form");
    const status = document.getElementById("search-status");
    const search = globalThis.guanxinSearch;
    const inline = document.getElementById("search-manifest");
    if (!search) {
      say(status, "unavailable", "搜索功能没有载入，暂时无法搜索。请刷新页面重试；如果仍然不行，请换用较新版本的浏览器。");
    } else if (!inline && location.protocol === "file:") {
      say(status, "offline", OFFLINE_COPY);
    } else if (!inline) {
      // A site built without its index (build --no-search, or serve's preview): readers are told only
      // that there is no search; the preview adds, for its editor, how to get one (search.html).
      say(status, "unavailable", "本站暂未提供搜索。", document.getElementById("search-editor-hint"));
    } else if (location.protocol === "file:" && !JSON.parse(inline.textContent).offline) {
      // The web version's index is read with fetch, which browsers refuse from disk.
      say(status, "offline", OFFLINE_COPY);
    } else {
      searchPage(search, form, status);
    }
  }

  // A state in which nothing can be searched: the reason, and the archive and region links (and, in
  // serve's preview, the editor's hint: a <template>).
  function say(status, state, reason, hint) {
    const links = document.getElementById("search-elsewhere").content.cloneNode(true);
    links.querySelectorAll("a").forEach((a) => { a.href = fileUrl(new URL(a.getAttribute("href"), location.href)); });
    status.dataset.state = state;
    setChildren(status, reason, links, ...(hint ? [hint.content.cloneNode(true)] : []));
  }

  // From disk no server picks a folder's index.html: name it.
  function fileUrl(url) {
    if (url.protocol === "file:" && url.pathname.endsWith("/")) url.pathname += "index.html";
    return url.href;
  }

  function searchPage(search, form, status) {
    const input = document.getElementById("search-q");
    const regionSelect = document.getElementById("search-region");
    const sortSelect = document.getElementById("search-sort");
    const list = document.getElementById("search-results");
    const more = document.getElementById("search-more");
    const relatedBox = document.getElementById("search-related");
    const relatedTitle = document.getElementById("search-related-title");
    const relatedList = document.getElementById("search-related-results");
    const relatedMore = document.getElementById("search-related-more");
    const suggestBox = document.getElementById("search-suggest");
    const baseTitle = document.title;
    let rel = null; // the related results of the current query
    let current = { ids: [], shown: 0, query: "" };
    let generation = 0; // a newer search makes an older one stop rendering

    function setStatus(state, parts) {
      status.dataset.state = state;
      setChildren(status, ...parts);
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
      const query = params.toString();
      history.replaceState(null, "", query ? "?" + query : location.pathname);
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
      setChildren(list);
      more.hidden = true;
      delete status.dataset.count;
      clearAfter();
      document.title = query ? `“${query}” · ${baseTitle}` : baseTitle;
      if (!query) {
        setStatus("idle", ["请输入要搜索的词语，例如：心理健康、五老、留守儿童。"]);
        return;
      }
      if (!search.keywords(query).length) {
        setStatus("invalid", [`“${query}”中没有可以搜索的文字，请换一个词语。`]);
        return;
      }
      setStatus("searching", ["正在搜索……"]);
      // A keyword of five characters or more is cut into parts by the archive's vocabulary when it finds
      // fewer than ten reports (search-reader.js parts()), and suggestions come from it when it finds
      // none: read it beside the exact lookup, not after it, a round trip sooner on a slow link.
      if (search.keywords(query).some((k) => Array.from(k).length > 4)) search.vocabulary().catch(() => {});
      const where = regionSelect.value ? `在${regionSelect.value}的报告中` : "";
      try {
        const found = await search.candidates(query);
        if (mine !== generation) return;
        const order = sortSelect.value === "old" ? found.ids : found.ids.slice().reverse();
        current = { query, order, unchecked: found.unchecked, missing: found.missing, at: 0, all: [], ids: [], shown: 0 };
        if (!found.unchecked.length) { // the index answered exactly: nothing to check
          current.at = order.length;
          current.all = order;
          current.ids = regionSelect.value ? await search.inRegion(order, regionSelect.value) : order;
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
        if (mine === generation) say(status, "unavailable", "搜索索引没有载入，暂时无法搜索。请检查网络连接，然后刷新页面重试。");
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
      const all = current.all;
      let related = Promise.resolve(null); // the related results of every region, when this view has any
      if (count < RELATED_BELOW) {
        const missing = count ? [] : current.missing;
        if (missing.length) suggestBox.dataset.state = "searching";
        related = relatedSearch(mine, query, new Set(all));
        related.then(() => mine === generation && missing.length && offer(mine, query, missing)).catch(console.error);
      }
      // The region filter's counts come last: they need each doc's region, which the page reads
      // (index.json) only after the answer has been painted, and the related results.
      requestAnimationFrame(() => setTimeout(() => {
        if (mine !== generation) return;
        related.catch(() => null).then((ids) => regionCounts(all, ids))
          .then((counts) => mine === generation && showCounts(counts), console.error);
      }));
    }

    // Each region's count is what choosing it shows: its exact results, and its related ones when it
    // has fewer than RELATED_BELOW exact ones. The related results are known (for every region, each
    // checked) when this view shows them. A view of RELATED_BELOW exact results or more reads none
    // (their parts, often their docs, are requests its answer does not need) and counts the exact
    // ones; a region then chosen says that count in its status line and lists its related ones apart.
    async function regionCounts(exact, related) {
      const counts = await search.regionCounts(exact);
      if (!related) return counts;
      for (const [region, more] of Object.entries(await search.regionCounts(related))) {
        if ((counts[region] || 0) < RELATED_BELOW) counts[region] = (counts[region] || 0) + more;
      }
      return counts;
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
        const ok = await Promise.all(batch.map((id) => search.check(id, cur.unchecked)));
        const kept = batch.filter((id, n) => ok[n]);
        const shown = regionSelect.value ? await search.inRegion(kept, regionSelect.value) : kept;
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
      const docs = await Promise.all(batch.map(search.doc));
      if (mine !== generation) return;
      const items = docs.map((d) => renderResult(search, d, cur.query));
      list.append(...items);
      more.hidden = cur.shown >= cur.ids.length && cur.at >= cur.order.length;
      if (focus && items.length) items[0].querySelector("a").focus();
    }

    function clearAfter() {
      rel = null;
      relatedBox.hidden = true;
      delete relatedBox.dataset.state;
      delete relatedBox.dataset.count;
      setChildren(relatedList);
      relatedMore.hidden = true;
      suggestBox.hidden = true;
      delete suggestBox.dataset.state;
      setChildren(suggestBox);
    }

    // Related results, after the exact ones: the reports holding every part of the query but not the
    // query itself, read newest first (oldest with that order chosen) RANKED at a time and ranked by
    // how close their parts stand, then by date; the label names the parts. Returns the related
    // results of every region (for the region counts), null when a newer search replaced this one.
    async function relatedSearch(mine, query, exact) {
      relatedBox.dataset.state = "searching";
      // Read newest first, the first screen may need the sealed part's newest store file (read early);
      // oldest first, it never does.
      const found = await search.related(query, sortSelect.value === "old" ? 0 : PAGE_SIZE);
      if (mine !== generation) return null;
      let everywhere = found.ids.filter((id) => !exact.has(id));
      if (found.unchecked.length) {
        const ok = await Promise.all(everywhere.map((id) => search.check(id, found.unchecked)));
        everywhere = everywhere.filter((id, n) => ok[n]);
      }
      const ids = regionSelect.value ? await search.inRegion(everywhere, regionSelect.value) : everywhere;
      if (mine !== generation) return null;
      if (!ids.length) {
        relatedBox.dataset.state = "none";
        return everywhere;
      }
      rel = { parts: found.parts, order: sortSelect.value === "old" ? ids : ids.slice().reverse(), at: 0, ranked: [], shown: 0 };
      const quoted = found.parts.map((part) => `“${part}”`);
      const named = `${quoted.slice(0, -1).join("、")}和${quoted[quoted.length - 1]}`;
      relatedTitle.textContent = exact.size ? `另有 ${ids.length} 篇报告同时提到${named}（不是完全相同的说法）：`
        : `没有完全相同的说法；以下 ${ids.length} 篇报告同时提到${named}：`;
      relatedBox.hidden = false;
      await showRelated(mine);
      if (mine !== generation) return null;
      relatedBox.dataset.count = String(ids.length);
      relatedBox.dataset.state = "results";
      return everywhere;
    }

    async function showRelated(mine, focus) {
      const cur = rel;
      if (!cur) return;
      while (cur.ranked.length < cur.shown + PAGE_SIZE && cur.at < cur.order.length) {
        const batch = cur.order.slice(cur.at, cur.at + (cur.at ? RANKED : PAGE_SIZE));
        cur.at += batch.length;
        const docs = await Promise.all(batch.map(search.doc));
        if (mine !== generation) return;
        const place = new Map(batch.map((id, n) => [id, n]));
        const spread = new Map(docs.map((d) => [d.id, search.spread(d, cur.parts)]));
        docs.sort((a, b) => spread.get(a.id) - spread.get(b.id) || place.get(a.id) - place.get(b.id));
        cur.ranked.push(...docs);
      }
      const items = cur.ranked.slice(cur.shown, cur.shown + PAGE_SIZE).map((d) => renderResult(search, d, cur.parts.join(" ")));
      cur.shown += items.length;
      relatedList.append(...items);
      relatedMore.hidden = cur.shown >= cur.order.length;
      if (focus && items.length) items[0].querySelector("a").focus();
    }

    // Nothing found: for each keyword no report holds, the words of the archive it may have meant,
    // each a link that searches the query with that word instead.
    async function offer(mine, query, missing) {
      const words = search.keywords(query);
      const links = [];
      for (const keyword of missing) {
        for (const word of await search.suggestions(keyword)) {
          const suggested = words.map((w) => (w === keyword ? word : w)).join(" ");
          const a = document.createElement("a");
          a.href = "?q=" + encodeURIComponent(suggested);
          a.dataset.query = suggested;
          a.textContent = suggested;
          links.push(a);
        }
      }
      if (mine !== generation) return;
      if (!links.length) {
        suggestBox.dataset.state = "none";
        return;
      }
      setChildren(suggestBox, "您要找的是不是：", ...links.flatMap((a, n) => (n ? ["、", a] : [a])), "？");
      suggestBox.hidden = false;
      suggestBox.dataset.state = "shown";
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
    relatedMore.addEventListener("click", () => showRelated(generation, true));
    suggestBox.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-query]");
      if (!link) return;
      event.preventDefault(); // one click searches the suggestion
      input.value = link.dataset.query;
      writeParams();
      run();
    });
    readParams();
    run();
  }

  // One result: the report (its region, the link) on one line, the issue it is in on the next
  // (labelled, so that a headline naming another city does not read as a second place), then the
  // excerpt with the query marked.
  function renderResult(search, d, query) {
    const item = document.createElement("li");
    item.className = "search-result";
    const heading = document.createElement("h2");
    const a = document.createElement("a");
    a.href = fileUrl(new URL(d.url, search.ROOT));
    const region = document.createElement("span");
    region.className = "search-result-region";
    region.textContent = d.region || "本期导语";
    a.append(region, d.region ? "的报告" : "");
    heading.append(a);

    const line = document.createElement("p");
    line.className = "search-result-meta";
    const time = document.createElement("time");
    time.dateTime = d.date;
    time.textContent = search.chineseDate(d.date);
    const title = document.createElement("cite");
    title.className = "search-result-issue";
    title.textContent = d.title;
    line.append(`载于${d.label}（`, time, "）：", title);

    const excerpt = document.createElement("p");
    excerpt.className = "search-result-excerpt";
    const text = d.texts[0] + d.texts[1]; // the text and the headline, folded
    for (const keyword of search.keywords(query)) { // found by another form of a place's name: say which
      const name = text.includes(keyword) ? null : d.names.find((n) => search.fold(n).includes(keyword));
      if (name && name !== "五老") {
        const note = document.createElement("span");
        note.className = "search-result-form";
        note.textContent = `（按名称“${name}”找到${d.region && name !== d.region ? `，属${d.region}` : ""}）`;
        excerpt.append(note);
      }
    }
    for (const [text, marked] of search.excerptParts(d.text, query, 90, d.forms)) {
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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
