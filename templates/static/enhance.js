/* In <head>, no defer: 大字 before first paint. docs/architecture.md. */
(function () {
  var K = "guanxin-large-text", H = "guanxin-share-hint", root = document.documentElement, mem = {}, store;
  try { store = localStorage; } catch (e) { /* blocked: a cookie instead */ }
  function keep(k, v) {  /* localStorage, else a cookie, else this page */
    mem[k] = v;
    try { store.setItem(k, v); } catch (e) { try { document.cookie = k + "=" + v + ";path=/;max-age=31536000;samesite=lax"; } catch (f) {} }
  }
  function kept(k) {
    var v;
    try { v = store.getItem(k); } catch (e) {}
    try { v = v || (document.cookie.match("(?:^|; )" + k + "=(\\w+)") || [])[1]; } catch (e) {}
    return v || mem[k];
  }
  if (kept(K) === "1") { root.classList.add("large-text"); }
  function all(s) { return Array.prototype.slice.call(document.querySelectorAll(s)); }
  function show(on) {
    root.classList.toggle("large-text", on);
    all(".text-size").forEach(function (b) { b.setAttribute("aria-pressed", on); });  /* a toggle keeps its name */
    measure();
  }
  function measure() {  /* a box wider than its column says it scrolls (site.css) */
    all(".table-scroll, .chart-scroll").forEach(function (b) { b.classList.toggle("scrolls", b.scrollWidth > b.clientWidth + 1); });
  }
  addEventListener("resize", measure);
  addEventListener("load", measure);  /* CSS may come after DOMContentLoaded */
  document.addEventListener("DOMContentLoaded", function () {
    show(root.classList.contains("large-text"));
    all(".text-size").forEach(function (b) {
      b.hidden = false;
      b.onclick = function () { var on = !root.classList.contains("large-text"); keep(K, on ? "1" : "0"); show(on); };
    });
    var hint = document.querySelector(".wechat-hint");  /* WeChat's share hint, until closed */
    if (hint && /MicroMessenger/i.test(navigator.userAgent) && kept(H) !== "closed") {
      hint.hidden = false;
      hint.querySelector("button").onclick = function () { hint.hidden = true; keep(H, "closed"); };
    }
  });
})();
