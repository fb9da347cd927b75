/** Every module's web part, registered once at start-up (main.tsx). A module adds what
 * the generic screens cannot know (record actions, notices) through lib/extensions.ts. */
import { registerSales } from "./sales";
import { registerAutomation } from "../features/automation/register";
import { registerApprovals } from "../features/approvals/register";

let registered = false;

export function registerModules(): void {
  if (registered) return;
  registered = true;
  registerSales();
  registerAutomation(); // a platform feature's settings page, registered with the modules' pages
  registerApprovals(); // a platform feature: approvals on every object
}

registerModules();
