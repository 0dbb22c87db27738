/* 大字 (large text, higher contrast) for older readers: remembered across pages in localStorage.
   Loaded without defer in <head> so the class is on <html> before the first paint (no flash), and as a
   file rather than inline so a Content-Security-Policy of script-src 'self' allows it. Without
   JavaScript the button stays hidden and the page is the default one. */
(function () {
  var KEY = "guanxin-large-text";
  var root = document.documentElement;
  function stored() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function apply(on) {
    root.classList.toggle("large-text", on);
    var buttons = document.querySelectorAll("button.text-size");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
      buttons[i].textContent = on ? "标准字" : "大字";
      buttons[i].title = on ? "恢复标准字号" : "放大文字、加深颜色";
    }
  }
  if (stored()) { root.classList.add("large-text"); }
  document.addEventListener("DOMContentLoaded", function () {
    apply(root.classList.contains("large-text"));
    var buttons = document.querySelectorAll("button.text-size");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () {
        var on = !root.classList.contains("large-text");
        try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* private mode: this page only */ }
        apply(on);
      });
    }
  });
})();
