import { useEffect, useState } from "react";

const MIN = 320;

/** The height from the bottom of `above` to the bottom of the window, less `reserve`:
 * what a list's scrolling body may take so the page itself does not scroll. Follows the
 * window and everything above (a toolbar that wraps, filter chips that come and go). */
export function useFillHeight(above: HTMLElement | null, reserve: number): number {
  const [height, setHeight] = useState(MIN * 2);
  useEffect(() => {
    if (!above) return;
    const measure = () => setHeight(Math.max(MIN, Math.floor(window.innerHeight - above.getBoundingClientRect().bottom - reserve)));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(above);
    window.addEventListener("resize", measure);
    return () => {
      observer.disconnect();
      window.removeEventListener("resize", measure);
    };
  }, [above, reserve]);
  return height;
}
