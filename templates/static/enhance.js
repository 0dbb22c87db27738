/* In <head>, no defer: 大字 before first paint. README: Architecture. */
(function () {
  var K = "guanxin-large-text", root = document.documentElement, ls = {}, me = document.currentScript.src;
  try { ls = localStorage; } catch (e) { /* storage off: this page only */ }
  if (ls[K] === "1") { root.classList.add("large-text"); }
  function all(s) { return Array.prototype.slice.call(document.querySelectorAll(s)); }
  function show(on) {
    root.classList.toggle("large-text", on);
    all(".text-size").forEach(function (b) { b.setAttribute("aria-pressed", on); });  /* a toggle keeps its name */
  }
  document.addEventListener("DOMContentLoaded", function () {
    show(root.classList.contains("large-text"));
    all(".text-size").forEach(function (b) {
      b.hidden = false;
      b.onclick = function () { var on = !root.classList.contains("large-text"); ls[K] = on ? "1" : "0"; show(on); };
    });
    var box = document.querySelector(".wechat-edition"), p;
    if (!box) { return; }
    function load() {
      return p = p || new Promise(function (ok, no) {
        var s = document.createElement("script");
        s.src = me.replace("enhance.js", "wechat-copy.js"); s.onload = ok; s.onerror = no;
        document.head.appendChild(s);
      });
    }
    ["pointerover", "focusin", "touchstart"].forEach(function (t) { box.addEventListener(t, load, {passive: true}); });
    all(".wechat-copy").forEach(function (b) {
      b.hidden = false;
      b.onclick = function () { if (window.guanxinCopy) { guanxinCopy(b); } else { load().then(function () { guanxinCopy(b); }); } };
    });
    if (/MicroMessenger/i.test(navigator.userAgent)) { load(); }
  });
})();
