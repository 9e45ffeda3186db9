// Gallery: pages through /v2/list following its Link header. The page lives in the URL
// (?page=N), so a page can be shared, reloaded, and walked with the browser's back button.
(function () {
  "use strict";
  var gallery = document.getElementById("gallery");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var label = document.getElementById("page-label");
  var links = {};
  // An explicit page size (?limit=) is kept in the URL and passed to the API.
  var limit = parseInt(new URLSearchParams(window.location.search).get("limit"), 10);
  var limitParam = limit > 0 ? "&limit=" + limit : "";

  function pageFromUrl() {
    var n = parseInt(new URLSearchParams(window.location.search).get("page"), 10);
    return n > 0 ? n : 1;
  }

  function parseLink(header) {
    var out = {};
    (header || "").split(",").forEach(function (part) {
      var m = part.match(/<([^>]+)>;\s*rel="(\w+)"/);
      if (m) out[m[2]] = parseInt(new URL(m[1], window.location.href).searchParams.get("page"), 10);
    });
    return out;
  }

  function card(image) {
    var figure = document.createElement("figure");
    figure.className = "card";
    var img = document.createElement("img");
    img.loading = "lazy";
    img.width = 367;
    img.height = 267;
    img.alt = "Photo " + image.id + " by " + image.author;
    img.src = "/id/" + encodeURIComponent(image.id) + "/367/267";
    var caption = document.createElement("figcaption");
    caption.className = "meta";
    var author = document.createElement(image.url ? "a" : "span");
    if (image.url) author.href = image.url;
    author.textContent = image.author;
    var id = document.createElement("a");
    id.href = image.download_url;
    id.textContent = "#" + image.id;
    id.setAttribute("aria-label", "Download photo " + image.id);
    caption.appendChild(author);
    caption.appendChild(id);
    figure.appendChild(img);
    figure.appendChild(caption);
    return figure;
  }

  function show(page) {
    label.textContent = "Page " + page;
    return fetch("/v2/list?page=" + page + limitParam, { headers: { Accept: "application/json" } })
      .then(function (res) {
        links = parseLink(res.headers.get("Link"));
        return res.json();
      })
      .then(function (images) {
        gallery.textContent = "";
        images.forEach(function (image) { gallery.appendChild(card(image)); });
        if (images.length === 0) gallery.textContent = "No photos on this page.";
        prev.disabled = !links.prev;
        // Picsum always advertises a next page from page 1; a short page is the last one.
        next.disabled = !links.next || images.length < (limit > 0 ? Math.min(limit, 100) : 30);
      })
      .catch(function () { gallery.textContent = "Could not load the list."; });
  }

  function go(page) {
    if (!page) return;
    history.pushState({ page: page }, "", "?page=" + page + limitParam);
    show(page);
  }

  prev.addEventListener("click", function () { go(links.prev); });
  next.addEventListener("click", function () { go(links.next); });
  window.addEventListener("popstate", function () { show(pageFromUrl()); });
  show(pageFromUrl());
})();
