// Start Swagger UI on the served OpenAPI document (templates/api_docs.html).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: false,
  });
})();
