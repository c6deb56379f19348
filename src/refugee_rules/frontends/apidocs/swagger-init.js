// Starts Swagger UI on the page /docs (a static file of ours: the page has no inline script, its CSP allows none).
// The OpenAPI document's address is the page's data-openapi attribute, relative to the page.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: new URL(root.dataset.openapi, document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default sends the OpenAPI document to a validator on the Internet: never
    withCredentials: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
