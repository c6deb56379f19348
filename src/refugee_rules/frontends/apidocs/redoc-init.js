// Starts ReDoc on the page /redoc (a static file of ours: the page has no inline script, its CSP allows none).
// The OpenAPI document's address is the page's data-openapi attribute, relative to the page.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("redoc");
  Redoc.init(new URL(root.dataset.openapi, document.baseURI).href, { hideDownloadButton: false }, root);
});
