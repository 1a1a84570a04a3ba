/* /api/v1/docs: start Swagger UI (vendor/swagger-ui-bundle.js) on the schema named by the
   page's data-openapi-url. A file, not an inline script, so the strict CSP holds. "Try it
   out" from a logged-in browser sends the page's CSRF token on unsafe methods, unless the
   request carries a bearer token (token requests need none). */
(function () {
  "use strict";
  function start() {
    var root = document.getElementById("swagger-ui");
    if (!root || typeof window.SwaggerUIBundle !== "function") return;
    var csrf = root.getAttribute("data-csrf-token") || "";
    window.SwaggerUIBundle({
      url: root.getAttribute("data-openapi-url"),
      domNode: root,
      deepLinking: true,
      layout: "BaseLayout",
      presets: [window.SwaggerUIBundle.presets.apis],
      requestInterceptor: function (request) {
        var method = (request.method || "GET").toUpperCase();
        var headers = request.headers || {};
        var bearer = Object.keys(headers).some(function (name) {
          return name.toLowerCase() === "authorization";
        });
        if (csrf && !bearer && ["GET", "HEAD", "OPTIONS"].indexOf(method) < 0) {
          headers["X-CSRFToken"] = csrf;
        }
        request.headers = headers;
        return request;
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
