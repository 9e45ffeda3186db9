// Gallery: pages through /v2/list following its Link header. The page and the filters live in
// the URL (?page=N&orientation=&tag=), so a view can be shared, reloaded, and walked with the
// browser's back button. Each photo shows its dominant colour at once and its blurred ThumbHash
// placeholder (?lqip) until the photo has loaded.
(function () {
  "use strict";
  var gallery = document.getElementById("gallery");
  var prev = document.getElementById("prev");
  var next = document.getElementById("next");
  var label = document.getElementById("page-label");
  var form = document.getElementById("filters");
  var tagList = document.getElementById("tags");
  var links = {};
  // An explicit page size (?limit=) is kept in the URL and passed to the API.
  var limit = parseInt(new URLSearchParams(window.location.search).get("limit"), 10);
  var limitParam = limit > 0 ? "&limit=" + limit : "";
  var known = {};

  // The filters of the URL, as a query suffix (empty when none).
  function filterParams() {
    var q = new URLSearchParams(window.location.search);
    var out = "";
    ["orientation", "tag"].forEach(function (name) {
      var v = q.get(name);
      if (v) out += "&" + name + "=" + encodeURIComponent(v);
    });
    return out;
  }

  function syncForm() {
    var q = new URLSearchParams(window.location.search);
    form.orientation.value = q.get("orientation") || "";
    form.tag.value = q.get("tag") || "";
  }

  // Every tag seen so far, offered in the tag field.
  function learnTags(images) {
    images.forEach(function (image) {
      (image.tags || []).forEach(function (t) {
        if (known[t]) return;
        known[t] = true;
        var option = document.createElement("option");
        option.value = t;
        tagList.appendChild(option);
      });
    });
  }

  function pageFromUrl() {
    var n = parseInt(new URLSearchParams(window.location.search).get("page"), 10);
    return n > 0 ? n : 1;
  }

  // Link targets may hold commas themselves (?tag=a,b, ?fields=…): match whole entries.
  function parseLink(header) {
    var out = {};
    var re = /<([^>]+)>;\s*rel="(\w+)"/g;
    var m;
    while ((m = re.exec(header || "")) !== null) {
      out[m[2]] = parseInt(new URL(m[1], window.location.href).searchParams.get("page"), 10);
    }
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
    if (image.color) img.style.backgroundColor = image.color;
    if (image.thumbhash) img.style.backgroundImage = "url(/id/" + encodeURIComponent(image.id) + "/367/267?lqip)";
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
    var url = "/v2/list?page=" + page + limitParam + filterParams() + "&fields=tags,color,thumbhash";
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (res) {
        links = parseLink(res.headers.get("Link"));
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body.error || "HTTP " + res.status);
          return body;
        });
      })
      .then(function (images) {
        gallery.textContent = "";
        learnTags(images);
        images.forEach(function (image) { gallery.appendChild(card(image)); });
        if (images.length === 0) gallery.textContent = "No photos on this page.";
        prev.disabled = !links.prev;
        // Picsum always advertises a next page from page 1; a short page is the last one.
        next.disabled = !links.next || images.length < (limit > 0 ? Math.min(limit, 100) : 30);
      })
      .catch(function (e) {
        gallery.textContent = e.message || "Could not load the list.";
        prev.disabled = true;
        next.disabled = true;
      });
  }

  function go(page) {
    if (!page) return;
    history.pushState({ page: page }, "", "?page=" + page + limitParam + filterParams());
    show(page);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var q = "?page=1" + limitParam;
    if (form.orientation.value) q += "&orientation=" + encodeURIComponent(form.orientation.value);
    if (form.tag.value.trim()) q += "&tag=" + encodeURIComponent(form.tag.value.trim());
    history.pushState({ page: 1 }, "", q);
    show(1);
  });
  form.orientation.addEventListener("change", function () { form.requestSubmit(); });

  prev.addEventListener("click", function () { go(links.prev); });
  next.addEventListener("click", function () { go(links.next); });
  window.addEventListener("popstate", function () { syncForm(); show(pageFromUrl()); });
  syncForm();
  show(pageFromUrl());
})();
