/* 复制到公众号: copy the 公众号 edition (wechat.html) to the clipboard as text/html and text/plain.
   The box and this script are on the issue pages of serve's preview only (build(editor_tools=True)):
   an editors' tool. The buttons are hidden in the HTML; this shows them. */
(function () {
  "use strict";

  function status(message) {
    var box = document.querySelector(".wechat-status");
    if (box) { box.textContent = message; }
  }

  /* The article of a wechat.html page: its first <section> (the page has nothing else worth pasting). */
  function edition(url) {
    return fetch(url, {cache: "no-cache"}).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (source) {
      var doc = new DOMParser().parseFromString(source, "text/html");
      var article = doc.body.querySelector("section");
      if (!article) { throw new Error("no article"); }
      /* WeChat's editor keeps links to 公众号 articles only: any other (阅读原文) is pasted as its text. */
      var links = article.querySelectorAll("a:not([href^='https://mp.weixin.qq.com/'])");
      for (var n = 0; n < links.length; n++) { links[n].replaceWith(links[n].textContent); }
      var blocks = article.querySelectorAll("h1, h2, h3, p, li");
      var lines = [];
      for (var i = 0; i < blocks.length; i++) {
        if (blocks[i].tagName === "LI" && blocks[i].querySelector("p")) { continue; }  /* its paragraphs follow */
        var text = blocks[i].textContent.replace(/\s+/g, " ").trim();
        if (text) { lines.push(text); }
      }
      return {html: article.outerHTML, text: lines.join("\n\n")};
    });
  }

  /* Fallback without the async clipboard API: a hidden editable copy, selected, and a copy event
     that sets both flavours. */
  function legacyCopy(content) {
    var holder = document.createElement("div");
    holder.contentEditable = "true";
    holder.setAttribute("aria-hidden", "true");
    holder.style.cssText = "position:fixed;left:-9999px;top:0;width:1px;height:1px;overflow:hidden;opacity:0";
    holder.innerHTML = content.html;
    document.body.appendChild(holder);
    function onCopy(event) {
      event.clipboardData.setData("text/html", content.html);
      event.clipboardData.setData("text/plain", content.text);
      event.preventDefault();
    }
    document.addEventListener("copy", onCopy);
    var selection = window.getSelection();
    var range = document.createRange();
    range.selectNodeContents(holder);
    selection.removeAllRanges();
    selection.addRange(range);
    var done = false;
    try { done = document.execCommand("copy"); } finally {
      document.removeEventListener("copy", onCopy);
      selection.removeAllRanges();
      holder.remove();
    }
    if (!done) { throw new Error("execCommand"); }
  }

  function copy(button) {
    var label = button.textContent.replace("复制到公众号", "");
    var loading = edition(button.parentNode.querySelector("a").href);
    var written;
    if (navigator.clipboard && window.ClipboardItem) {
      /* The item is made inside the click (Safari requires it) and filled when the edition arrives. */
      var item = new ClipboardItem({
        "text/html": loading.then(function (c) { return new Blob([c.html], {type: "text/html"}); }),
        "text/plain": loading.then(function (c) { return new Blob([c.text], {type: "text/plain"}); })
      });
      written = navigator.clipboard.write([item]).catch(function () {
        return loading.then(legacyCopy);
      });
    } else {
      written = loading.then(legacyCopy);
    }
    status("正在复制……");
    written.then(function () {
      status("已复制公众号版" + label + "。请到公众号编辑器的正文中粘贴（Ctrl+V）。");
    }, function () {
      status("复制没有成功：请点“打开公众号版" + label + "”，全选（Ctrl+A）后复制（Ctrl+C）。");
    });
  }

  var buttons = document.querySelectorAll(".wechat-copy");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].onclick = function () { copy(this); };
  }
})();
