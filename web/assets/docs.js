// /docs: renders one of the two OpenAPI documents with the vendored Redoc (no CDN, no
// fonts from elsewhere: every request stays on this origin).
(function () {
  "use strict";
  var images = new URLSearchParams(location.search).get("spec") === "image-service";
  var spec = images ? "/image-service/openapi.json" : "/openapi.json";
  document.getElementById(images ? "docs-images" : "docs-api").setAttribute("aria-current", "page");
  var root = document.getElementById("redoc");
  if (!window.Redoc) return;
  window.Redoc.init(spec, {
    expandResponses: "200,302",
    hideHostname: false,
    pathInMiddlePanel: true,
    theme: { typography: { fontFamily: "system-ui, sans-serif", headings: { fontFamily: "system-ui, sans-serif" }, code: { fontFamily: "ui-monospace, Menlo, Consolas, monospace" } } }
  }, root);
})();
