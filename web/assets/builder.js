// URL builder: the form becomes a picsum URL, shown, copyable and previewed live.
(function () {
  "use strict";
  var form = document.getElementById("url-builder");
  if (!form) return;
  var out = document.getElementById("built-url");
  var preview = document.getElementById("preview");
  var status = document.getElementById("copy-status");
  var root = out.textContent.replace(/\/400\/300$/, "");

  function clamp(v, fallback) {
    var n = parseInt(v, 10);
    if (!(n >= 1)) return fallback;
    return Math.min(n, 5000);
  }

  function build() {
    var f = form.elements;
    var pick = f.pick.value;
    var w = clamp(f.width.value, 400), h = clamp(f.height.value, 300);
    var path = "";
    if (pick === "id") path = "/id/" + encodeURIComponent(f.id.value.trim() || "0");
    if (pick === "seed") path = "/seed/" + encodeURIComponent(f.seed.value.trim() || "picsum");
    path += "/" + w + "/" + h + f.format.value;
    var q = [];
    if (f.grayscale.checked) q.push("grayscale");
    var blur = parseInt(f.blur.value, 10);
    f.blurValue.value = blur > 0 ? String(blur) : "off";
    if (blur > 0) q.push("blur=" + blur);
    var rel = path + (q.length ? "?" + q.join("&") : "");
    out.textContent = root + rel;
    // The preview follows after a pause in typing, so one edit costs one render.
    clearTimeout(timer);
    timer = setTimeout(function () {
      preview.width = Math.min(w, 600);
      preview.height = Math.round(h * preview.width / w);
      preview.src = rel;
    }, 250);
  }
  var timer;

  form.addEventListener("input", build);
  form.addEventListener("change", build);
  document.getElementById("copy-url").addEventListener("click", function () {
    var text = out.textContent;
    var done = function () { status.textContent = "Copied"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { status.textContent = "Select the URL to copy it"; });
    } else {
      status.textContent = "Select the URL to copy it";
    }
  });
  build();
})();
