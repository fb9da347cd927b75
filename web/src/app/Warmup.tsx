/** Once the signed-in app has settled, prepare what the next click will need.
 *
 * Ant Design writes a component's styles into the page the first time one renders, and
 * every new style sheet makes the browser restyle the whole page: opening a record from
 * a 100-row list restyled the list that was about to go (a quarter of a second in the
 * profile). Drawing the components of the list and record screens once, hidden, while
 * the browser is first idle moves that work off the click, and fetches those screens' code.
 */
import { lazy, Suspense, useEffect, useState } from "react";

const Components = lazy(() => import("./WarmupComponents"));

export function Warmup() {
  const [state, setState] = useState<"waiting" | "drawing" | "done">("waiting");
  useEffect(() => {
    if (state !== "waiting") return;
    // The first moment the browser has nothing else to do: while the user reads the
    // page they landed on. (The bench counts these downloads in the first load.)
    // Safari and jsdom have no requestIdleCallback: a short timer stands in.
    if (typeof window.requestIdleCallback !== "function") {
      const timer = window.setTimeout(() => setState("drawing"), 300);
      return () => window.clearTimeout(timer);
    }
    const idle = window.requestIdleCallback(() => setState("drawing"), { timeout: 3000 });
    return () => window.cancelIdleCallback(idle);
  }, [state]);
  if (state !== "drawing") return null;
  return (
    <Suspense fallback={null}>
      <Components onDrawn={() => setState("done")} />
    </Suspense>
  );
}
