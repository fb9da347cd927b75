/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The build goes inside the Python package, which `guanxi serve` serves at `/`
// (ignored by git: built files are never committed).
const outDir = fileURLToPath(new URL("../src/guanxi/web/dist", import.meta.url));

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    // Two pages: the app, and the API reference served at /api/docs (src/apidocs).
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        "api-docs": fileURLToPath(new URL("api-docs.html", import.meta.url)),
      },
    },
  },
  server: {
    // `npm run dev` talks to a `guanxi serve` on the usual port.
    proxy: { "/api": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    css: false,
    // Ant Design renders a lot in jsdom; a loaded CI machine needs more than 5 s.
    testTimeout: 20_000,
  },
});
