import "@testing-library/jest-dom/vitest";
import { configure } from "@testing-library/react";

// findBy… waits this long for what the server's answer renders (jsdom is slow under load).
configure({ asyncUtilTimeout: 5000 });

// jsdom has no layout: Ant Design's responsive parts ask for matchMedia.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  }),
});

// Nor does it have ResizeObserver, which Ant Design's text areas and popups watch sizes with.
if (!("ResizeObserver" in globalThis)) {
  Object.defineProperty(globalThis, "ResizeObserver", {
    writable: true,
    value: class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  });
}
