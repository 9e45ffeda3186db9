// The /v2/pick example on the landing page: six distinct photos, each shown on its CSS-only
// placeholder (css_lqip, painted by assets/lqip.css) until the photo itself (from its `w`
// srcset) has loaded.
(function () {
  "use strict";
  var box = document.getElementById("picked");
  if (!box) return;
  fetch("/v2/pick?count=6&width=300&height=200&seed=home", { headers: { Accept: "application/json" } })
    .then(function (res) { return res.json(); })
    .then(function (photos) {
      photos.forEach(function (p) {
        var figure = document.createElement("figure");
        figure.className = "card";
        var img = document.createElement("img");
        img.width = 300;
        img.height = 200;
        img.alt = "Photo " + p.id + " by " + p.author;
        placeholder(img, p);
        // The width form lets the browser pick by the card's real width and the density.
        img.srcset = p.srcset_widths;
        img.sizes = p.sizes;
        img.src = p.src;
        var caption = document.createElement("figcaption");
        caption.className = "meta";
        var author = document.createElement("a");
        author.href = p.url;
        author.textContent = p.author;
        caption.appendChild(author);
        figure.appendChild(img);
        figure.appendChild(caption);
        box.appendChild(figure);
      });
    })
    .catch(function () { box.textContent = "Could not load /v2/pick."; });

  // The CSS-only placeholder (assets/lqip.css paints --lqip, no request); the colour when
  // the photo has none.
  function placeholder(img, p) {
    if (p.css_lqip !== null && p.css_lqip !== undefined) img.style.setProperty("--lqip", String(p.css_lqip));
    else if (p.color) img.style.backgroundColor = p.color;
  }
})();
