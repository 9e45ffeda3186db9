// URL builder: the form becomes a picsum URL, shown, copyable and previewed live, with
// copyable <img> and <picture> snippets (width candidates, sizes, lazy loading, the photo's
// blurred placeholder behind it).
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
    snippets(pick === "random" ? "" : path.replace(/\/\d+\/\d+(\.\w+)?$/, ""), w, h, q);
    // The preview follows after a pause in typing, so one edit costs one render.
    clearTimeout(timer);
    timer = setTimeout(function () {
      preview.width = Math.min(w, 600);
      preview.height = Math.round(h * preview.width / w);
      preview.src = rel;
    }, 250);
  }
  var timer;

  // `base` is the photo's path without its size ("" for a random photo, whose every URL is
  // another photo: then no width candidates and no placeholder).
  function snippets(base, w, h, q) {
    var query = q.length ? "?" + q.join("&") : "";
    var url = function (cw, ch, ext) { return root + base + "/" + cw + "/" + ch + ext + query; };
    var widths = [];
    if (base) {
      [[1, 2], [1, 1], [2, 1], [3, 1]].forEach(function (f) {
        var cw = Math.round(w * f[0] / f[1]), ch = Math.round(h * f[0] / f[1]);
        if ((f[0] >= f[1] || w >= 200) && cw <= 5000 && ch <= 5000) widths.push([cw, ch]);
      });
    }
    var srcset = function (ext) {
      return widths.map(function (c) { return url(c[0], c[1], ext) + " " + c[0] + "w"; }).join(", ");
    };
    var sizes = "(max-width: " + w + "px) 100vw, " + w + "px";
    var background = base ? ' style="background: center / cover url(' + "'" + root + base + "/" + w + "/" + h + "?lqip')" + '"' : "";
    var attrs = function (ext, indent) {
      var lines = ['src="' + url(w, h, ext) + '"'];
      if (widths.length) lines.push('srcset="' + srcset(ext) + '"', 'sizes="' + sizes + '"');
      lines.push('width="' + w + '" height="' + h + '" loading="lazy" decoding="async"' + background, 'alt="Placeholder photo"');
      return lines.join("\n" + indent);
    };
    var format = form.elements.format.value;
    document.getElementById("snippet-img").textContent = "<img " + attrs(format, "     ") + ">";
    var source = function (type, ext) {
      var set = widths.length ? srcset(ext) : url(w, h, ext);
      return '  <source type="' + type + '" srcset="' + set + '"' + (widths.length ? ' sizes="' + sizes + '"' : "") + ">";
    };
    document.getElementById("snippet-picture").textContent = [
      "<picture>", source("image/avif", ".avif"), source("image/webp", ".webp"),
      "  <img " + attrs(".jpg", "       ") + ">", "</picture>"].join("\n");
  }

  form.addEventListener("input", build);
  form.addEventListener("change", build);
  function copy(text) {
    var done = function () { status.textContent = "Copied"; };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { status.textContent = "Select the text to copy it"; });
    } else {
      status.textContent = "Select the text to copy it";
    }
  }
  document.getElementById("copy-url").addEventListener("click", function () { copy(out.textContent); });
  Array.prototype.forEach.call(form.querySelectorAll("button[data-copy]"), function (button) {
    button.addEventListener("click", function () {
      copy(document.getElementById(button.getAttribute("data-copy")).textContent);
    });
  });
  build();
})();
