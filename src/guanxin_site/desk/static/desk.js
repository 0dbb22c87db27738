/* guanxin-site 编辑台：收件、校对、全部期、预览和发布。
   Everything shown from an issue is set as text (textContent, value), never as HTML. */
(function () {
  "use strict";

  var TOKEN = document.querySelector('meta[name="guanxin-desk"]').getAttribute("content");
  var config = {regions: [], targets: []};
  var nextId = 1;

  // -- small helpers ---------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = value; }
      else if (name === "value") { node.value = value; }
      else if (name === "checked") { node.checked = !!value; }
      else { node.setAttribute(name, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) { return; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function $(id) { return document.getElementById(id); }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  function request(method, path, body, type, renewed) {
    var headers = {"X-Desk-Token": TOKEN};
    if (body !== undefined) { headers["Content-Type"] = type || "application/json"; }
    return fetch(path, {method: method, headers: headers, cache: "no-store", credentials: "same-origin",
      body: body === undefined ? undefined : (type ? body : JSON.stringify(body))})
      .then(function (response) {
        return response.json().catch(function () { return {error: "编辑台的回答无法读取（" + response.status + "）"}; })
          .then(function (data) { return {status: response.status, data: data}; });
      }, function () {
        return {status: 0, data: {error: "连不上编辑台：预览（guanxin-site serve）是不是已经停止了？请重新运行它，再点一次（没有保存的修改还在这个页面上）。"}};
      })
      .then(function (answer) {
        // The preview was started again (a new secret each start): take the new one from this page's own
        // address, which only a page of this origin can read, and ask once more; refreshing would lose the edits.
        if (answer.status !== 403 || answer.data.token !== "stale" || renewed) { return answer; }
        return renewSecret().then(function (ok) { return ok ? request(method, path, body, type, true) : answer; });
      });
  }

  function renewSecret() {
    return fetch(location.pathname, {cache: "no-store", credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (page) {
        var found = /<meta name="guanxin-desk" content="([^"]+)"/.exec(page);
        if (found) { TOKEN = found[1]; }
        return Boolean(found);
      }, function () { return false; });
  }
  function get(path) { return request("GET", path); }
  function post(path, body, type) { return request("POST", path, body, type); }

  var toastTimer = null;
  function toast(text) {
    var node = $("toast");
    node.textContent = text;
    node.classList.add("shown");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { node.classList.remove("shown"); }, 3500);
  }

  function compact(text) { return String(text || "").replace(/\s+/g, ""); }

  function glue(a, b) {
    var space = a && b && /[\x21-\x7e]$/.test(a) && /^[\x21-\x7e]/.test(b);
    return a + (space ? " " : "") + b;
  }

  function poll(jobId, progress) {
    return new Promise(function (resolve) {
      function once() {
        get("api/job?id=" + encodeURIComponent(jobId)).then(function (answer) {
          var job = answer.data;
          if (answer.status !== 200) { resolve({state: "failed", error: job.error || "出错了"}); return; }
          progress(job);
          if (job.state === "running") { setTimeout(once, 400); } else { resolve(job); }
        });
      }
      once();
    });
  }

  function showProgress(box, job) {
    box.hidden = false;
    var bar = box.querySelector("progress");
    if (job.total) { bar.max = job.total; bar.value = job.done; } else { bar.removeAttribute("value"); }
    box.querySelector(".progress-text").textContent = job.text || "";
  }

  // -- views -------------------------------------------------------------------------------

  var views = {receive: showReceive, issues: showIssues, edit: showEdit, publish: showPublish};
  var currentHash = "";

  function route() {
    var hash = decodeURIComponent(location.hash.replace(/^#/, "")) || "issues";
    if (edit.dirty && currentHash.indexOf("edit/") === 0 && hash !== currentHash) {
      if (!confirm("这一期还有没保存的修改。离开会丢掉这些修改，确定离开吗？")) {
        history.replaceState(null, "", "#" + currentHash);
        return;
      }
      edit.dirty = false;
      edit.form = null;  // discarded: opened again, the issue is read from its file
    }
    currentHash = hash;
    var name = hash.split("/")[0];
    if (!views[name]) { name = "issues"; }
    document.querySelectorAll(".view").forEach(function (view) { view.hidden = view.id !== "view-" + name; });
    document.querySelectorAll("nav a[data-view]").forEach(function (link) {
      if (link.getAttribute("data-view") === name) { link.setAttribute("aria-current", "page"); }
      else { link.removeAttribute("aria-current"); }
    });
    views[name](hash.slice(name.length + 1));
  }

  // -- 收件 -----------------------------------------------------------------------------------

  function showReceive() { document.title = "收件 - 编辑台"; }

  function receiveFiles(files) {
    files = Array.prototype.slice.call(files);
    if (!files.length) { return; }
    var box = $("receive-progress");
    var result = clear($("receive-result"));
    var tokens = [];
    var refused = [];
    var chain = Promise.resolve();
    files.forEach(function (file, n) {
      chain = chain.then(function () {
        showProgress(box, {text: "正在上传“" + file.name + "”（" + (n + 1) + "/" + files.length + "）", done: n, total: files.length});
        return post("api/receive?name=" + encodeURIComponent(file.name), file, "application/octet-stream")
          .then(function (answer) {
            if (answer.status === 200) { tokens.push(answer.data.token); }
            else { refused.push({name: file.name, status: "attention", status_name: "需要处理", message: answer.data.error}); }
          });
      });
    });
    chain.then(function () {
      if (!tokens.length) { box.hidden = true; showOutcomes(result, refused); return; }
      return post("api/import", {files: tokens}).then(function (answer) {
        if (answer.status !== 200) { box.hidden = true; result.appendChild(el("p", {"class": "notice bad", text: answer.data.error})); return; }
        return poll(answer.data.id, function (job) { showProgress(box, job); }).then(function (job) {
          box.hidden = true;
          if (job.state !== "done") { result.appendChild(el("p", {"class": "notice bad", text: job.error})); return; }
          showOutcomes(result, job.result.outcomes.concat(refused));
        });
      });
    });
  }

  function showOutcomes(result, outcomes) {
    var counts = {imported: 0, present: 0, attention: 0};
    var rows = outcomes.map(function (o) {
      counts[o.status] = (counts[o.status] || 0) + 1;
      var detail = [];
      if (o.status === "imported") { detail.push(o.label + "，" + o.reports + " 个地区 → " + o.target); }
      else { detail.push((o.place ? (/^\d+$/.test(o.place) ? "第" + o.place + "行" : o.place) + "：" : "") + o.message); }
      var notes = (o.notes || []).length ? el("ul", {"class": "notes"}, o.notes.map(function (note) {
        return el("li", {text: (note.page ? "第" + note.page + "页：" : "") + note.message});
      })) : null;
      var action = o.id ? el("a", {href: "#edit/" + o.id, "class": "button"}, [o.status === "imported" ? "开始校对" : "打开"]) : null;
      return el("tr", {}, [
        el("td", {"data-label": "文件", text: o.name}),
        el("td", {"data-label": "结果", "class": "status status-" + o.status, text: o.status_name}),
        el("td", {"data-label": "说明"}, [detail.join(""), notes]),
        el("td", {"data-label": "操作"}, [action])]);
    });
    result.appendChild(el("h2", {text: "导入结果"}));
    result.appendChild(el("table", {"class": "issue-table outcomes"}, [
      el("thead", {}, [el("tr", {}, ["文件", "结果", "说明", "操作"].map(function (h) { return el("th", {scope: "col", text: h}); }))]),
      el("tbody", {}, rows)]));
    result.appendChild(el("p", {text: "共 " + outcomes.length + " 个文件：已导入 " + counts.imported + " 个，已存在 " +
      counts.present + " 个，需要处理 " + counts.attention + " 个。"}));
    var first = outcomes.filter(function (o) { return o.status === "imported" && o.id; })[0];
    if (first) { result.querySelector('a[href="#edit/' + first.id + '"]').focus(); }
  }

  function setUpReceive() {
    var drop = $("drop");
    $("file-input").addEventListener("change", function (event) { receiveFiles(event.target.files); event.target.value = ""; });
    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      drop.addEventListener(name, function (event) { event.preventDefault(); drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (event) { receiveFiles(event.dataTransfer.files); });
    // A file dropped anywhere else must not make the browser leave the desk to show it.
    window.addEventListener("dragover", function (event) { event.preventDefault(); });
    window.addEventListener("drop", function (event) { event.preventDefault(); });
  }

  // -- 全部期 ----------------------------------------------------------------------------------

  var issues = [];
  var filter = "";

  function showIssues() {
    document.title = "全部期 - 编辑台";
    $("issues-summary").textContent = "正在读取……";
    get("api/issues").then(function (answer) {
      if (answer.status !== 200) { $("issues-summary").textContent = answer.data.error; return; }
      issues = answer.data.issues;
      renderIssues();
    });
  }

  function renderIssues() {
    var shown = issues.filter(function (issue) { return !filter || issue.states.indexOf(filter) >= 0; });
    var counts = {};
    issues.forEach(function (issue) { issue.states.forEach(function (s) { counts[s] = (counts[s] || 0) + 1; }); });
    $("issues-summary").textContent = "共 " + issues.length + " 期：未校对 " + (counts.unproofread || 0) + " 期，有问题 " +
      (counts.problems || 0) + " 期，草稿 " + (counts.draft || 0) + " 期。";
    var list = clear($("issues-list"));
    if (!issues.length) {
      list.appendChild(el("p", {"class": "notice"}, ["还没有简报。到", el("a", {href: "#receive", text: "收件"}), "导入收到的简报。"]));
      return;
    }
    list.appendChild(el("table", {"class": "issue-table"}, [
      el("thead", {}, [el("tr", {}, ["期号", "日期", "标题", "状态", "操作"].map(function (h) { return el("th", {scope: "col", text: h}); }))]),
      el("tbody", {}, shown.map(function (issue) {
        var label = issue.year ? issue.year + "年第" + issue.number + "期" + (issue.total ? "（总第" + issue.total + "期）" : "") : issue.rel;
        return el("tr", {}, [
          el("td", {"data-label": "期号", text: label}),
          el("td", {"data-label": "日期", text: issue.date}),
          el("td", {"data-label": "标题"}, [issue.title || "（没有标题）",
            issue.first_problem ? el("span", {"class": "first-problem", text: issue.first_problem}) : null]),
          el("td", {"data-label": "状态"}, issue.states.map(function (state, n) {
            return el("span", {"class": "state state-" + state, text: issue.state_names[n]});
          })),
          el("td", {"data-label": "操作", "class": "actions"}, [
            el("a", {href: "#edit/" + issue.id, "class": "button", "aria-label": "校对/修改 " + label, text: "校对/修改"}),
            issue.year ? el("a", {href: "/" + issue.year + "/" + issue.number + "/", target: "_blank", rel: "noopener",
              "aria-label": "预览 " + label, text: "预览"}) : null])]);
      }))]));
  }

  function setUpIssues() {
    document.querySelectorAll("[data-filter]").forEach(function (button) {
      button.addEventListener("click", function () {
        filter = button.getAttribute("data-filter");
        document.querySelectorAll("[data-filter]").forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
        renderIssues();
      });
    });
  }

  // -- 校对 -------------------------------------------------------------------------------------

  var edit = {id: null, dirty: false, form: null, ticks: {}, digest: null, problems: [], original: null, checkSeq: 0};

  function showEdit(id) {
    if (edit.id === id && edit.form) { return; }
    document.title = "校对 - 编辑台";
    edit = {id: id, dirty: false, form: null, ticks: {}, digest: null, problems: [], original: null, checkSeq: 0};
    clear($("form")).appendChild(el("p", {text: "正在读取……"}));
    clear($("original"));
    $("conflict").hidden = true;
    showLeft("original");
    get("api/issue?id=" + encodeURIComponent(id)).then(function (answer) {
      if (answer.status !== 200) { clear($("form")).appendChild(el("p", {"class": "notice bad", text: answer.data.error})); return; }
      loadView(answer.data);
      get("api/original?id=" + encodeURIComponent(edit.id)).then(function (original) {
        edit.original = original.status === 200 ? original.data : {kind: null, notes: [], error: original.data.error};
        renderOriginal();
      });
    });
  }

  function loadView(view) {
    edit.id = view.id;
    edit.rel = view.rel;
    edit.digest = view.digest;
    edit.form = view.form;
    edit.preview = view.preview;
    edit.draft = view.draft;
    edit.ticks = {};
    (view.ticks || []).forEach(function (t) { edit.ticks[t] = true; });
    edit.dirty = false;
    setUndo(view.can_undo);
    var title = view.year ? view.year + "年第" + view.number + "期" : view.rel;
    $("edit-title").textContent = "校对：" + title;
    document.title = "校对 " + title + " - 编辑台";
    if (currentHash !== "edit/" + view.id) {
      currentHash = "edit/" + view.id;
      history.replaceState(null, "", "#edit/" + view.id);
    }
    renderForm();
    showProblems(view.problems);
    if (!$("preview").hidden) { showLeft("preview"); }
  }

  function setUndo(possible) { $("undo").disabled = !possible; }

  function parts() {
    var form = edit.form;
    var list = [{key: "lead", name: "导语", blocks: form.lead, tick: "导语"}];
    form.reports.forEach(function (report, n) {
      list.push({key: n, name: report.region || "（未选地区）", blocks: report.blocks, report: report, tick: report.region});
    });
    return list;
  }

  function partOf(blockId) {
    var all = parts();
    for (var p = 0; p < all.length; p++) {
      for (var b = 0; b < all[p].blocks.length; b++) {
        if (all[p].blocks[b].id === blockId) { return {part: all[p], index: b, parts: all, position: p}; }
      }
    }
    return null;
  }

  function changed() {
    edit.dirty = true;
    $("save-state").className = "save-state";
    $("save-state").textContent = "有修改，还没有保存（Ctrl+S 保存）";
    clearTimeout(edit.checkTimer);
    edit.checkTimer = setTimeout(check, 350);
  }

  function payload() {
    return {id: edit.id, base: edit.digest, form: edit.form, ticks: Object.keys(edit.ticks).filter(function (t) { return edit.ticks[t]; })};
  }

  function check() {
    var seq = ++edit.checkSeq;
    post("api/check", payload()).then(function (answer) {
      if (seq !== edit.checkSeq || answer.status !== 200) { return; }
      showProblems(answer.data.problems);
      if (answer.data.conflict) {
        $("save-state").className = "save-state bad";
        $("save-state").textContent = "注意：这一期的文件已在别处被修改（文本编辑器、另一个窗口或 git）。保存时会请你比较两个版本。";
      }
    });
  }

  // -- the form ------------------------------------------------------------------------------

  var FIELD_HELP = {
    number: ["期号", "本年第几期，例如 53"],
    total: ["总期号", "总第几期，例如 509（可以不填）"],
    date: ["出版日期", "例如 2023-11-17"],
    title: ["标题", "本期标题"],
    publisher: ["编印单位", "不填则用 site.yaml 中的编印单位"],
    summary: ["摘要", "可以不填"]
  };

  function field(key, short) {
    var help = FIELD_HELP[key];
    var id = "field-" + key;
    var value = edit.form.fields[key];
    return el("div", {"class": "field" + (short ? " short" : "")}, [
      el("label", {"for": id, text: help[0]}),
      el("input", {type: "text", id: id, "data-field": key, value: value === undefined ? "" : value,
        "aria-describedby": "hint-" + key + " problem-field-" + key, autocomplete: "off"}),
      el("p", {"class": "hint", id: "hint-" + key, text: help[1]}),
      el("p", {"class": "problem", id: "problem-field-" + key})]);
  }

  function renderForm() {
    var form = clear($("form"));
    var f = edit.form;
    form.appendChild(el("div", {id: "problem-general", "class": "notice bad", role: "alert", hidden: true}));
    if (f.proofread_pending) {
      form.appendChild(el("p", {"class": "notice warn", text: "这一期是用文字识别（OCR）从扫描件读出的，还没有校对。请逐段对照左边的原件改正，" +
        "每个地区核对完就勾上“已核对”；全部勾上并保存后，这一期就不再标记为待校对。"}));
    }
    if (f.fields) {
      form.appendChild(el("fieldset", {}, [el("legend", {text: "本期"}),
        el("div", {"class": "row"}, [field("number", true), field("total", true), field("date", true)]),
        field("title"), field("publisher"), field("summary"),
        el("div", {"class": "field"}, [el("label", {"class": "check"}, [
          el("input", {type: "checkbox", id: "field-draft", "data-field": "draft", checked: !!f.fields.draft,
            "aria-describedby": "problem-field-draft"}),
          "草稿（勾上后不发布，只在本机保留）"]), el("p", {"class": "problem", id: "problem-field-draft"})]),
        el("div", {"class": "field"}, [
          el("label", {"for": "field-distribution", text: "报送单位（报：送：发：，每行一条）"}),
          el("textarea", {id: "field-distribution", "data-field": "distribution", rows: 3, value: f.fields.distribution || "",
            "aria-describedby": "problem-field-distribution"}),
          el("p", {"class": "problem", id: "problem-field-distribution"})]),
        el("details", {open: f.other ? true : null}, [el("summary", {text: "其他设置（附件等，写法同简报文件开头）"}),
          el("div", {"class": "field"}, [
            el("label", {"for": "field-other", "class": "visually-hidden", text: "其他设置"}),
            el("textarea", {id: "field-other", "data-other": "1", rows: 3, value: f.other || "", spellcheck: "false",
              "class": "raw", "aria-describedby": "problem-field-other"}),
            el("p", {"class": "problem", id: "problem-field-other"})])])]));
    } else {
      form.appendChild(el("fieldset", {}, [el("legend", {text: "本期设置（原文）"}),
        el("p", {"class": "notice bad", text: "文件开头的设置读不出来（" + (f.front_problem || "") + "）。请在下面改正，每行“键: 值”，冒号用英文冒号加一个空格。"}),
        el("div", {"class": "field"}, [
          el("label", {"for": "field-front", text: "设置"}),
          el("textarea", {id: "field-front", "data-front": "1", rows: 8, value: f.front_raw || "", spellcheck: "false",
            "class": "raw", "aria-describedby": "problem-field-front"}),
          el("p", {"class": "problem", id: "problem-field-front"})])]));
    }
    var all = parts();
    all.forEach(function (part, p) { form.appendChild(renderPart(part, p, all)); });
    var picker = el("select", {id: "new-region", "aria-label": "要添加的地区"}, [el("option", {value: "", text: "选择地区……"})]
      .concat(config.regions.map(function (name) { return el("option", {value: name, text: name}); })));
    form.appendChild(el("div", {"class": "part-tools"}, [picker,
      el("button", {type: "button", "data-act": "add-report", text: "添加这个地区的报道"})]));
  }

  function renderPart(part, p, all) {
    var head;
    var tickId = "tick-" + p;
    if (part.key === "lead") {
      head = el("div", {"class": "part-head"}, [el("h2", {text: "导语"}),
        el("span", {"class": "muted", text: part.blocks.length ? "（第一个地区之前的段落）" : "（没有导语；可以把段落移到这里）"})]);
    } else {
      var options = config.regions.slice();
      if (part.report.region && options.indexOf(part.report.region) < 0) { options.unshift(part.report.region); }
      head = el("div", {"class": "part-head"}, [
        el("label", {"for": "region-" + p, "class": "visually-hidden", text: "地区"}),
        el("select", {id: "region-" + p, "data-region": String(p - 1), "aria-describedby": "problem-report-" + (p - 1)},
          options.map(function (name) {
            var known = config.regions.indexOf(name) >= 0;
            return el("option", {value: name, text: known ? name : name + "（不在地名表中）", selected: name === part.report.region ? "selected" : null});
          })),
        el("button", {type: "button", "data-act": "report-up", "data-part": String(p - 1), disabled: p === 1 ? true : null, text: "上移"}),
        el("button", {type: "button", "data-act": "report-down", "data-part": String(p - 1), disabled: p === all.length - 1 ? true : null, text: "下移"}),
        el("button", {type: "button", "data-act": "delete-report", "data-part": String(p - 1), disabled: part.blocks.length ? true : null,
          title: part.blocks.length ? "先把段落移走或删除，才能删除这个地区" : "", text: "删除这个地区"})]);
    }
    var ticked = !!edit.ticks[part.tick];
    var showTick = part.key !== "lead" || part.blocks.length;
    if (showTick) {
      head.appendChild(el("label", {"class": "check", "for": tickId}, [
        el("input", {type: "checkbox", id: tickId, "data-tick": part.tick, checked: ticked}), "已核对"]));
    }
    var problemId = part.key === "lead" ? "problem-report-lead" : "problem-report-" + (p - 1);
    return el("section", {"class": "part" + (ticked && showTick ? " checked" : ""), "data-part": String(part.key), "aria-label": part.name}, [
      head,
      el("p", {"class": "problem", id: problemId}),
      el("ol", {"class": "paras"}, part.blocks.map(function (block, b) { return renderBlock(block, b, part, p, all); })),
      el("div", {"class": "part-tools"}, [
        el("button", {type: "button", "data-act": "add-para", "data-part": String(part.key), text: "添加段落"}),
        el("label", {"class": "button"}, ["添加照片", el("input", {type: "file", accept: "image/jpeg,image/png,image/gif,image/webp",
          "class": "visually-hidden", "data-photo-part": String(part.key)})])])]);
  }

  function renderBlock(block, b, part, p, all) {
    var label = part.name + " 第" + (b + 1) + "段";
    var problemId = "problem-" + block.id;
    var body;
    if (block.kind === "photo") {
      body = el("div", {"class": "photo-block"}, [
        block.photo ? el("img", {src: "photo/" + block.photo, alt: ""}) : el("span", {"class": "muted", text: "（照片 " + (block.src || "") + "）"}),
        el("div", {"class": "field"}, [
          el("label", {"for": "text-" + block.id, text: "照片说明（显示在照片下面，读屏软件也会读出）"}),
          el("input", {type: "text", id: "text-" + block.id, "data-block": block.id, value: block.text, "aria-describedby": problemId})])]);
    } else {
      var attrs = {id: "text-" + block.id, "data-block": block.id, value: block.text, rows: rowsFor(block.text),
        "aria-label": label, "aria-describedby": problemId, spellcheck: "false"};
      if (block.kind === "raw") { attrs["class"] = "raw"; }
      body = el("div", {}, [block.kind === "raw" ? el("p", {"class": "para-kind", text: "带格式的段落（Markdown 原文，按原样保存）"}) : null,
        el("textarea", attrs)]);
    }
    var targets = all.filter(function (other, n) { return n !== p; }).map(function (other) {
      return el("option", {value: String(other.key), text: other.name});
    });
    var tools = el("div", {"class": "para-tools"}, [
      block.kind === "text" ? el("button", {type: "button", "data-act": "split", "data-id": block.id, text: "在光标处拆分"}) : null,
      block.kind === "text" && b > 0 && part.blocks[b - 1].kind === "text" ?
        el("button", {type: "button", "data-act": "join", "data-id": block.id, text: "与上一段合并"}) : null,
      el("button", {type: "button", "data-act": "up", "data-id": block.id, disabled: b === 0 ? true : null, text: "上移"}),
      el("button", {type: "button", "data-act": "down", "data-id": block.id, disabled: b === part.blocks.length - 1 ? true : null, text: "下移"}),
      el("label", {"for": "move-" + block.id, "class": "visually-hidden", text: "把这一段移到"}),
      el("select", {id: "move-" + block.id}, targets),
      el("button", {type: "button", "data-act": "move", "data-id": block.id, text: "移过去"}),
      el("button", {type: "button", "data-act": "delete", "data-id": block.id, text: "删除"})]);
    return el("li", {"class": "para", "data-id": block.id}, [body, tools, el("p", {"class": "problem", id: problemId})]);
  }

  function rowsFor(text) { return Math.max(2, Math.min(14, Math.ceil(String(text).length / 34) + 1)); }

  function newBlock(kind, text, extra) {
    var block = {id: "n" + (nextId++), orig: null, kind: kind, text: text};
    Object.keys(extra || {}).forEach(function (k) { block[k] = extra[k]; });
    return block;
  }

  function blocksOf(key) {
    return key === "lead" ? edit.form.lead : edit.form.reports[Number(key)].blocks;
  }

  function rerender(focus) {
    renderForm();
    showProblems(edit.problems);
    changed();
    if (focus) { focusBlock(focus.id, focus.caret, focus.selector); }
  }

  function focusBlock(id, caret, selector) {
    var node = document.querySelector(selector || '[data-block="' + id + '"]');
    if (!node) { return; }
    node.focus();
    if (caret !== undefined && node.setSelectionRange) { node.setSelectionRange(caret, caret); }
  }

  function split(id, at) {
    var place = partOf(id);
    var block = place.part.blocks[place.index];
    var before = block.text.slice(0, at).replace(/\s+$/, "");
    var after = block.text.slice(at).replace(/^\s+/, "");
    if (!before || !after) { toast("光标要放在段落中间，才能拆分"); return; }
    var second = newBlock("text", after);
    place.part.blocks.splice(place.index, 1, newBlock("text", before), second);
    rerender({id: second.id, caret: 0});
  }

  function splitLines(id, text) {
    var place = partOf(id);
    var pieces = text.split(/\n+/).map(function (t) { return t.trim(); }).filter(Boolean);
    if (pieces.length < 2) { return false; }
    var made = pieces.map(function (t) { return newBlock("text", t); });
    Array.prototype.splice.apply(place.part.blocks, [place.index, 1].concat(made));
    rerender({id: made[made.length - 1].id, caret: 0});
    return true;
  }

  function join(id) {
    var place = partOf(id);
    var blocks = place.part.blocks;
    if (place.index === 0 || blocks[place.index - 1].kind !== "text" || blocks[place.index].kind !== "text") { return; }
    var first = blocks[place.index - 1];
    var joined = newBlock("text", glue(first.text, blocks[place.index].text));
    blocks.splice(place.index - 1, 2, joined);
    rerender({id: joined.id, caret: glue(first.text, "x").length - 1});
  }

  function move(id, target) {
    var place = partOf(id);
    var block = place.part.blocks.splice(place.index, 1)[0];
    var destination = blocksOf(target);
    var position = target === "lead" ? -1 : Number(target);
    var from = place.part.key === "lead" ? -1 : Number(place.part.key);
    // Moved forward it opens the later part; moved back it closes the earlier one (the usual import slips).
    if (position > from) { destination.unshift(block); } else { destination.push(block); }
    var name = target === "lead" ? "导语" : edit.form.reports[position].region;
    rerender({id: block.id});
    toast("已移到“" + name + "”" + (position > from ? "的开头" : "的末尾"));
  }

  function act(action, button) {
    var id = button.getAttribute("data-id");
    if (action === "split") {
      var area = document.querySelector('[data-block="' + id + '"]');
      split(id, area.selectionStart);
    } else if (action === "join") {
      join(id);
    } else if (action === "up" || action === "down") {
      var place = partOf(id);
      var to = place.index + (action === "up" ? -1 : 1);
      var blocks = place.part.blocks;
      var moved = blocks.splice(place.index, 1)[0];
      blocks.splice(to, 0, moved);
      rerender({selector: '[data-act="' + action + '"][data-id="' + id + '"]'});
    } else if (action === "move") {
      var select = $("move-" + id);
      move(id, select.value);
    } else if (action === "delete") {
      var where = partOf(id);
      if (!confirm("删除这一段？（保存之前可以点“返回全部期”放弃修改）")) { return; }
      where.part.blocks.splice(where.index, 1);
      rerender();
    } else if (action === "add-para") {
      var made = newBlock("text", "");
      blocksOf(button.getAttribute("data-part")).push(made);
      rerender({id: made.id});
    } else if (action === "add-report") {
      var region = $("new-region").value;
      if (!region) { toast("请先选择地区"); $("new-region").focus(); return; }
      edit.form.reports.push({orig: null, region: region, blocks: [newBlock("text", "")]});
      rerender({id: edit.form.reports[edit.form.reports.length - 1].blocks[0].id});
    } else if (action === "delete-report") {
      edit.form.reports.splice(Number(button.getAttribute("data-part")), 1);
      rerender();
    } else if (action === "report-up" || action === "report-down") {
      var n = Number(button.getAttribute("data-part"));
      var m = n + (action === "report-up" ? -1 : 1);
      var reports = edit.form.reports;
      var report = reports.splice(n, 1)[0];
      reports.splice(m, 0, report);
      rerender({selector: '[data-act="' + action + '"][data-part="' + m + '"]'});
    }
  }

  function setUpForm() {
    var form = $("form");
    form.addEventListener("input", function (event) {
      var target = event.target;
      if (target.hasAttribute("data-field")) {
        edit.form.fields[target.getAttribute("data-field")] = target.type === "checkbox" ? target.checked : target.value;
      } else if (target.hasAttribute("data-other")) {
        edit.form.other = target.value;
      } else if (target.hasAttribute("data-front")) {
        edit.form.front_raw = target.value;
      } else if (target.hasAttribute("data-block")) {
        var place = partOf(target.getAttribute("data-block"));
        var block = place.part.blocks[place.index];
        if (block.kind === "text" && target.value.indexOf("\n") >= 0 && !event.isComposing) {
          block.text = target.value;
          if (splitLines(block.id, target.value)) { return; }
          block.text = target.value.replace(/\n/g, "");
          target.value = block.text;
        }
        block.text = target.value;
      } else {
        return;
      }
      changed();
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.hasAttribute("data-region")) {
        edit.form.reports[Number(target.getAttribute("data-region"))].region = target.value;
        var tick = target.closest(".part").querySelector("[data-tick]");
        if (tick) { tick.setAttribute("data-tick", target.value); tick.checked = !!edit.ticks[target.value]; }
        changed();
      } else if (target.hasAttribute("data-tick")) {
        edit.ticks[target.getAttribute("data-tick")] = target.checked;
        target.closest(".part").classList.toggle("checked", target.checked);
        changed();
      } else if (target.hasAttribute("data-photo-part")) {
        addPhoto(target.getAttribute("data-photo-part"), target.files[0]);
        target.value = "";
      } else if (target.type === "checkbox" && target.hasAttribute("data-field")) {
        edit.form.fields[target.getAttribute("data-field")] = target.checked;
        changed();
      }
    });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-act]");
      if (button) { act(button.getAttribute("data-act"), button); }
    });
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Backspace" && target.hasAttribute("data-block") && target.tagName === "TEXTAREA" &&
          target.selectionStart === 0 && target.selectionEnd === 0 && !event.isComposing) {
        var place = partOf(target.getAttribute("data-block"));
        if (place.index > 0 && place.part.blocks[place.index].kind === "text" && place.part.blocks[place.index - 1].kind === "text") {
          event.preventDefault();
          join(target.getAttribute("data-block"));
        }
      }
    });
    form.addEventListener("focusin", function (event) {
      var para = event.target.closest(".para");
      if (para) { point(para, true); }
    });
    form.addEventListener("mouseover", function (event) {
      var para = event.target.closest(".para");
      if (para && !para.classList.contains("pointed")) { point(para, false); }
    });
  }

  function addPhoto(partKey, file) {
    if (!file) { return; }
    toast("正在添加照片……");
    post("api/photo?id=" + encodeURIComponent(edit.id), file, "application/octet-stream").then(function (answer) {
      if (answer.status !== 200) { toast(answer.data.error); return; }
      var block = newBlock("photo", "", {photo: answer.data.photo});
      blocksOf(partKey).push(block);
      rerender({id: block.id});
      toast("照片已添加；请写上照片说明，再保存");
    });
  }

  // -- problems next to their fields -------------------------------------------------------------

  function showProblems(problems) {
    edit.problems = problems || [];
    document.querySelectorAll("#form .problem").forEach(function (node) { node.textContent = ""; });
    document.querySelectorAll("#form [aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    var general = $("problem-general");
    var generalItems = [];
    edit.problems.forEach(function (problem) {
      var node = null;
      var target = problem.target || {};
      if (target.field) { node = $("problem-field-" + target.field); }
      else if (target.block) { node = $("problem-" + target.block); }
      else if (target.report !== undefined) { node = $("problem-report-" + target.report); }
      var message = problem.message;
      if (target.field === "proofread") {
        message = "这一期还没有校对：请逐段对照原件改正，把每个地区（和导语）都勾上“已核对”，再保存。";
        node = null;
      }
      if (!node) { generalItems.push(message); return; }
      node.textContent = node.textContent ? node.textContent + "；" + message : message;
      var input = node.parentNode.querySelector("input, textarea, select");
      if (input) { input.setAttribute("aria-invalid", "true"); }
    });
    if (general) {
      clear(general);
      general.hidden = !generalItems.length;
      if (generalItems.length) {
        general.appendChild(el("ul", {}, generalItems.map(function (m) { return el("li", {text: m}); })));
      }
    }
    var count = edit.problems.length;
    var state = $("save-state");
    if (!edit.dirty) {
      state.className = "save-state" + (count ? " bad" : " ok");
      state.textContent = count ? "发现 " + count + " 个问题（见各处红字）" : "没有发现问题";
    }
  }

  // -- saving -------------------------------------------------------------------------------------

  function save() {
    if (!edit.form) { return; }
    clearTimeout(edit.checkTimer);
    $("save").disabled = true;
    var focused = document.activeElement;
    var spot = focused && focused.id ? {id: focused.id, caret: focused.selectionStart} : null;
    var where = spot && focused.getAttribute("data-block") ? blockPosition(focused.getAttribute("data-block")) : null;
    post("api/save", payload()).then(function (answer) {
      $("save").disabled = false;
      if (answer.status === 409 && answer.data.conflict) { showConflict(answer.data); return; }
      if (answer.status !== 200) { $("save-state").className = "save-state bad"; $("save-state").textContent = answer.data.error; return; }
      var result = answer.data;
      loadView(result.view);
      var state = $("save-state");
      var problems = result.view.problems.length;
      state.className = "save-state " + (problems ? "bad" : "ok");
      state.textContent = "已保存" + (result.proofread_cleared ? "，这一期已校对完" : "") +
        (problems ? "；还有 " + problems + " 个问题" + (result.blocking ? "，改正之前网站不会更新这一期" : "") : "") + "。";
      restoreFocus(spot, where);
    });
  }

  function blockPosition(id) {
    var place = partOf(id);
    return place ? {position: place.position, index: place.index} : null;
  }

  function restoreFocus(spot, where) {
    if (where) {
      var all = parts();
      var part = all[where.position];
      var block = part && part.blocks[where.index];
      if (block) { focusBlock(block.id, spot.caret); return; }
    }
    if (spot && $(spot.id)) { $(spot.id).focus(); }
  }

  function undo() {
    if (edit.dirty && !confirm("撤销会丢掉还没保存的修改，并把文件恢复到上一次保存之前的样子。确定吗？")) { return; }
    post("api/undo", {id: edit.id, base: edit.digest}).then(function (answer) {
      if (answer.status === 409 && answer.data.conflict) { showConflict(answer.data); return; }
      if (answer.status !== 200) { toast(answer.data.error); return; }
      loadView(answer.data.view);
      $("save-state").className = "save-state ok";
      $("save-state").textContent = "已撤销：文件恢复到上一次保存之前的样子（再点一次“撤销上次保存”可以恢复回来）。";
    });
  }

  function showConflict(data) {
    var box = clear($("conflict"));
    box.hidden = false;
    var theirs = data.theirs || "";
    var mine = data.mine;
    box.appendChild(el("h2", {text: "没有保存：这一期的文件已在别处被修改"}));
    box.appendChild(el("p", {text: "在你打开这一期之后，文件被别的程序（文本编辑器、另一个窗口或 git）改过了。为了不丢掉任何一方的修改，" +
      "编辑台没有覆盖它。下面是两个版本，黄色是只在一边有的行。请选择怎么做："}));
    box.appendChild(el("div", {"class": "versions"}, [
      el("div", {}, [el("h3", {text: "磁盘上现在的版本"}), versionPre(theirs, mine || "")]),
      el("div", {}, [el("h3", {text: "你的版本"}), mine === null || mine === undefined ?
        el("p", {text: "（编辑台已重新启动，无法生成你的版本；你的修改还在下面的表单中，可以复制出来）"}) : versionPre(mine, theirs)])]));
    var buttons = el("p", {"class": "toolbar"}, [
      el("button", {type: "button", id: "conflict-reload", text: "放弃我的修改，载入磁盘上的版本"}),
      mine ? el("button", {type: "button", id: "conflict-mine", text: "用我的版本覆盖（磁盘上的版本保留为 .bak 备份）"}) : null,
      mine ? el("button", {type: "button", id: "conflict-copy", text: "复制我的版本"}) : null]);
    box.appendChild(buttons);
    $("conflict-reload").addEventListener("click", function () {
      box.hidden = true;
      edit.dirty = false;
      var id = edit.id;
      edit.id = null;
      showEdit(id);
    });
    if (mine) {
      $("conflict-mine").addEventListener("click", function () {
        post("api/overwrite", {id: edit.id, base: data.theirs_digest, text: mine}).then(function (answer) {
          if (answer.status === 409 && answer.data.conflict) { showConflict(answer.data); return; }
          if (answer.status !== 200) { toast(answer.data.error); return; }
          box.hidden = true;
          loadView(answer.data.view);
          toast("已保存你的版本；磁盘上原来的版本保留为 .bak 备份");
        });
      });
      $("conflict-copy").addEventListener("click", function () {
        navigator.clipboard.writeText(mine).then(function () { toast("已复制"); }, function () { toast("无法复制；请在上面选中后按 Ctrl+C"); });
      });
    }
    box.scrollIntoView({block: "start"});
    $("conflict-reload").focus();
  }

  function versionPre(text, other) {
    var otherLines = {};
    other.split("\n").forEach(function (line) { otherLines[line] = true; });
    return el("pre", {}, text.split("\n").map(function (line) {
      return el("span", {"class": otherLines[line] ? null : "only", text: line + "\n"});
    }));
  }

  // -- the original beside the form -----------------------------------------------------------------

  var SCALE = 1.5;

  function renderOriginal() {
    var box = clear($("original"));
    var original = edit.original;
    var notes = (original.notes || []);
    if (original.kind === "pdf") {
      box.appendChild(el("p", {"class": "original-head", text: "原件：" + original.received + "（共 " + original.pages.length +
        " 页）。指向右边的一段，原件上会标出它的位置；点原件上的一行，会跳到那一段。"}));
    } else if (original.kind) {
      box.appendChild(el("p", {"class": "original-head", text: "原件：" + original.received + "（Word 和文本文件没有页面，下面是读出的文字）"}));
    } else {
      box.appendChild(el("p", {"class": "notice", text: original.error || "这一期没有保存原件（不是导入的，或导入时没有保留原件），只能对照纸质简报校对。"}));
    }
    if (notes.length) {
      box.appendChild(el("details", {"class": "import-notes", open: true}, [el("summary", {text: "导入时的提示（" + notes.length + " 条），请逐条核对"}),
        el("ul", {}, notes.map(function (n) { return el("li", {text: (n.page ? "第" + n.page + "页：" : "") + n.message}); }))]));
    }
    if (original.kind === "pdf") {
      original.pages.forEach(function (page, n) {
        var width = Math.round(page.width * SCALE);
        var height = Math.round(page.height * SCALE);
        box.appendChild(el("div", {"class": "page", "data-page": String(n + 1)}, [
          el("img", {src: "page/" + encodeURIComponent(edit.id) + "/" + (n + 1) + ".png", width: width, height: height,
            alt: "原件第 " + (n + 1) + " 页", loading: n < 2 ? "eager" : "lazy"}),
          el("span", {"class": "page-number", text: "第 " + (n + 1) + " 页"})]));
      });
    } else if (original.kind) {
      box.appendChild(el("div", {"class": "original-text"}, original.paragraphs.map(function (text) { return el("p", {text: text}); })));
    }
  }

  function textOfPara(para) {
    var input = para.querySelector("[data-block]");
    return input ? input.value : "";
  }

  function rowsOf(text) {
    var rows = (edit.original && edit.original.rows) || [];
    var whole = compact(text);
    if (!whole) { return []; }
    var head = whole.slice(0, 10);
    var tail = whole.slice(-10);
    var weights = rows.map(function (row) {
      var line = row[5];
      if (!line) { return 0; }
      if (whole.indexOf(line) >= 0) { return line.length; }
      if (head.length >= 4 && line.indexOf(head) >= 0) { return head.length; }  // the paragraph starts inside this line
      if (tail.length >= 4 && line.indexOf(tail) >= 0) { return tail.length; }  // ... or ends inside it
      return 0;
    });
    // A paragraph is printed on lines that follow each other: the heaviest run of matching lines
    // (a short line such as the masthead may also occur inside a long paragraph's text).
    var best = {weight: 0, start: 0, end: -1};
    var weight = 0;
    var start = 0;
    weights.forEach(function (w, i) {
      if (!w) { weight = 0; return; }
      if (!weight) { start = i; }
      weight += w;
      if (weight > best.weight) { best = {weight: weight, start: start, end: i}; }
    });
    return rows.slice(best.start, best.end + 1);
  }

  function point(para, scroll) {
    document.querySelectorAll(".para.pointed").forEach(function (p) { p.classList.remove("pointed"); });
    para.classList.add("pointed");
    var original = edit.original;
    if (!original) { return; }
    document.querySelectorAll("#original .box").forEach(function (box) { box.remove(); });
    document.querySelectorAll(".original-text p.marked").forEach(function (p) { p.classList.remove("marked"); });
    var text = textOfPara(para);
    var first = null;
    if (original.kind === "pdf") {
      rowsOf(text).forEach(function (row) {
        var page = original.pages[row[0] - 1];
        var holder = document.querySelector('#original .page[data-page="' + row[0] + '"]');
        if (!page || !holder) { return; }
        var top = page.height - (row[3] + row[4] * 0.7);
        var box = el("div", {"class": "box", "aria-hidden": "true"});
        box.style.left = (row[1] / page.width * 100 - 0.4) + "%";
        box.style.width = ((row[2] - row[1]) / page.width * 100 + 0.8) + "%";
        box.style.top = (top / page.height * 100) + "%";
        box.style.height = (row[4] * 1.4 / page.height * 100) + "%";
        holder.appendChild(box);
        if (!first) { first = box; }
      });
    } else if (original.kind) {
      var whole = compact(text).slice(0, 12);
      document.querySelectorAll(".original-text p").forEach(function (p) {
        if (whole.length >= 4 && compact(p.textContent).indexOf(whole) >= 0) { p.classList.add("marked"); if (!first) { first = p; } }
      });
    }
    if (first && scroll && !$("original").parentNode.hidden) {
      var pane = $("left");
      var top = first.getBoundingClientRect().top - pane.getBoundingClientRect().top;
      if (top < 0 || top > pane.clientHeight - 40) { pane.scrollTop += top - pane.clientHeight / 3; }
    }
  }

  function pointFromPage(event) {
    var holder = event.target.closest(".page");
    if (!holder || !edit.original || edit.original.kind !== "pdf") { return; }
    var n = Number(holder.getAttribute("data-page"));
    var page = edit.original.pages[n - 1];
    var rect = holder.getBoundingClientRect();
    var x = (event.clientX - rect.left) / rect.width * page.width;
    var y = page.height - (event.clientY - rect.top) / rect.height * page.height;
    var row = edit.original.rows.filter(function (r) {
      return r[0] === n && x >= r[1] - 4 && x <= r[2] + 4 && Math.abs(y - r[3]) <= r[4] * 0.7;
    })[0];
    if (!row) { return; }
    var line = row[5];
    var paras = document.querySelectorAll("#form .para");
    for (var i = 0; i < paras.length; i++) {
      var text = compact(textOfPara(paras[i]));
      if (line && (text.indexOf(line) >= 0 || line.indexOf(text.slice(0, 8)) >= 0 && text.length >= 8)) {
        var input = paras[i].querySelector("[data-block]");
        input.focus();
        paras[i].scrollIntoView({block: "center"});
        return;
      }
    }
    toast("右边没有找到这一行的文字（可能已被改过或删去）");
  }

  function showLeft(which) {
    $("original").hidden = which !== "original";
    $("preview").hidden = which !== "preview";
    $("show-original").setAttribute("aria-pressed", String(which === "original"));
    $("show-preview").setAttribute("aria-pressed", String(which === "preview"));
    if (which === "preview") {
      var frame = $("preview-frame");
      var holder = $("preview");
      var note = holder.querySelector(".notice");
      if (note) { note.remove(); }
      if (edit.draft && !config.drafts_in_preview) {
        holder.insertBefore(el("p", {"class": "notice warn", text: "这一期是草稿，预览中不显示草稿。要预览草稿，请停止预览（Ctrl+C）后用 guanxin-site serve --drafts 重新启动。"}), frame);
      } else if (edit.dirty) {
        holder.insertBefore(el("p", {"class": "notice", text: "预览显示的是上次保存的内容；保存后会自动更新。"}), frame);
      }
      var src = edit.preview ? "/" + edit.preview : "/";
      if (frame.getAttribute("src") !== src) { frame.setAttribute("src", src); }
    }
  }

  // -- 发布 --------------------------------------------------------------------------------------

  function showPublish() {
    document.title = "发布 - 编辑台";
    var box = clear($("publish-target"));
    get("api/config").then(function (answer) {
      if (answer.status !== 200) {  // site.yaml itself has a mistake: say it here, not "no address set"
        box.appendChild(el("p", {"class": "notice bad", text: "site.yaml 有误，先改正它才能发布：" + answer.data.error}));
        return;
      }
      config = answer.data;
      if (config.targets_problem) {
        box.appendChild(el("p", {"class": "notice bad", text: "site.yaml 中的发布地址（deploy:）有误：" + config.targets_problem}));
        return;
      }
      if (!config.targets.length) {
        box.appendChild(el("p", {"class": "notice warn", text: "还没有设置发布地址：点“发布”只生成网站（项目中的 site 文件夹），不上传。" +
          "要发布到网上，请在 site.yaml 中加上发布地址（deploy:），写法见编辑指南的“发布”一节。"}));
        return;
      }
      // Each target with its address, so the editor sees where the site goes before pressing 发布.
      function named(t) { return config.addresses && config.addresses[t] ? t + "（" + config.addresses[t] + "）" : t; }
      if (config.targets.length > 1) {
        box.appendChild(el("p", {}, [el("label", {"for": "publish-to", text: "发布到："}),
          // Nothing chosen at first: 发布 without looking must not pick one (the command line asks too).
          el("select", {id: "publish-to"}, [el("option", {value: "", text: "（请选择）"})].concat(
            config.targets.map(function (t) { return el("option", {value: t, text: named(t)}); })))]));
      } else {
        box.appendChild(el("p", {text: "发布到：" + named(config.targets[0])}));
      }
      box.appendChild(el("p", {}, [el("label", {"for": "publish-password", text: "服务器密码（FTP、SFTP 需要时填写；不会保存）："}),
        el("input", {type: "password", id: "publish-password", autocomplete: "off"})]));
    });
  }

  function publish() {
    var button = $("publish-button");
    var result = clear($("publish-result"));
    var box = $("publish-progress");
    var to = $("publish-to");
    var password = $("publish-password");
    if (to && !to.value) {
      result.appendChild(el("p", {"class": "notice bad", role: "alert", text: "site.yaml 中有几个发布地址：请先在“发布到”中选择一个，再点“发布”。"}));
      to.focus();
      return;
    }
    button.disabled = true;
    post("api/publish", {target: to ? to.value : null, password: password && password.value ? password.value : null}).then(function (answer) {
      if (answer.status !== 200) { button.disabled = false; result.appendChild(el("p", {"class": "notice bad", text: answer.data.error})); return; }
      return poll(answer.data.id, function (job) { showProgress(box, job); }).then(function (job) {
        button.disabled = false;
        box.hidden = true;
        if (password) { password.value = ""; }
        if (job.state !== "done") {
          result.appendChild(el("div", {"class": "notice bad", role: "alert"}, [el("p", {text: "发布没有完成，网上的网站保持原样："}),
            el("ul", {}, String(job.error).split("\n").map(function (line) { return el("li", {text: line}); }))]));
          return;
        }
        var r = job.result;
        var lines = ["已生成网站：" + r.issues + " 期，" + r.pages + " 个页面，用时 " + r.seconds + " 秒。"];
        if (r.deployed) {
          lines.push("已上传到“" + r.target + "”：上传 " + r.uploaded + " 个文件（" + (r.uploaded_bytes / 1048576).toFixed(1) +
            " MB），没有变化 " + r.unchanged + " 个，删除 " + r.deleted + " 个。");
        }
        if (r.message) { lines.push(r.message); }
        var notice = el("div", {"class": "notice " + (r.deployed ? "ok" : "warn"), role: "status"}, lines.map(function (line) { return el("p", {text: line}); }));
        if (r.site_url) { notice.appendChild(el("p", {}, ["网站地址：", el("a", {href: r.site_url, target: "_blank", rel: "noopener", text: r.site_url})])); }
        if (r.warnings && r.warnings.length) {
          notice.appendChild(el("details", {}, [el("summary", {text: "提醒（" + r.warnings.length + " 条）"}),
            el("ul", {}, r.warnings.map(function (w) { return el("li", {text: w}); }))]));
        }
        result.appendChild(notice);
      });
    });
  }

  // -- start -----------------------------------------------------------------------------------------

  function start() {
    setUpReceive();
    setUpIssues();
    setUpForm();
    $("save").addEventListener("click", save);
    $("undo").addEventListener("click", undo);
    $("show-original").addEventListener("click", function () { showLeft("original"); });
    $("show-preview").addEventListener("click", function () { showLeft("preview"); });
    $("original").addEventListener("click", pointFromPage);
    $("publish-button").addEventListener("click", publish);
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "s") {
        if (!$("view-edit").hidden) { event.preventDefault(); save(); }
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (edit.dirty) { event.preventDefault(); event.returnValue = ""; }
    });
    window.addEventListener("hashchange", route);
    get("api/config").then(function (answer) {
      if (answer.status === 200) {
        config = answer.data;
        $("site-title").textContent = config.title || "";
      } else {
        $("site-title").textContent = answer.data.error || "";
      }
      route();
    });
  }

  start();
})();
