// The API reference at /api/docs: Swagger UI built with the app, so a deployment without
// internet access shows it too (FastAPI's default page loads it from a CDN).
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import "swagger-ui-dist/swagger-ui.css";

SwaggerUIBundle({ url: "/api/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
