// Pages through /v2/list; the page number lives in the URL hash, Prev/Next follow the Link header.
(function () {
  "use strict";
  var gallery = document.getElementById("gallery");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");

  function currentPage() {
    var n = parseInt(window.location.hash.replace("#", ""), 10);
    return n > 0 ? n : 1;
  }

  function linkTargets(header) {
    var out = {};
    (header || "").split(",").forEach(function (part) {
      var m = part.match(/<([^>]+)>;\s*rel="(\w+)"/);
      if (m) {
        var page = new URL(m[1], window.location.href).searchParams.get("page");
        out[m[2]] = parseInt(page, 10);
      }
    });
    return out;
  }

  function card(image) {
    var div = document.createElement("div");
    div.className = "card";
    var img = document.createElement("img");
    img.loading = "lazy";
    img.alt = "Photo by " + image.author;
    img.src = "/id/" + encodeURIComponent(image.id) + "/367/267";
    var meta = document.createElement("div");
    meta.className = "meta";
    var author = document.createElement("a");
    author.href = image.url;
    author.textContent = image.author;
    var id = document.createElement("a");
    id.href = image.download_url;
    id.textContent = "#" + image.id;
    meta.appendChild(author);
    meta.appendChild(id);
    div.appendChild(img);
    div.appendChild(meta);
    return div;
  }

  function load() {
    var page = currentPage();
    fetch("/v2/list?page=" + page, { headers: { Accept: "application/json" } })
      .then(function (res) {
        var links = linkTargets(res.headers.get("Link"));
        return res.json().then(function (images) { return { images: images, links: links }; });
      })
      .then(function (data) {
        gallery.textContent = "";
        data.images.forEach(function (image) { gallery.appendChild(card(image)); });
        prev.disabled = !data.links.prev;
        next.disabled = !data.links.next || data.images.length === 0;
        prev.onclick = function () { window.location.hash = data.links.prev; };
        next.onclick = function () { window.location.hash = data.links.next; };
      })
      .catch(function () { gallery.textContent = "Could not load the list."; });
  }

  window.addEventListener("hashchange", load);
  load();
})();
