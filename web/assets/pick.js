// The /v2/pick example on the landing page: six distinct photos, each shown on its dominant
// colour with its blurred ThumbHash placeholder until the photo itself (from its srcset)
// has loaded.
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
        img.srcset = p.srcset;
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

  // Shared with the gallery: the colour at once, the ThumbHash PNG as soon as it arrives.
  function placeholder(img, p) {
    if (p.color) img.style.backgroundColor = p.color;
    if (p.thumbhash) img.style.backgroundImage = "url(/id/" + encodeURIComponent(p.id) + "/30/20?lqip)";
  }
})();
