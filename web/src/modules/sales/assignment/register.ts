/** Settings · 分配规则 (assignment rules), for those who manage automation. Leads are the
 * only object handed out by rules today, so the page lives with the sales module. */
import { ShareAltOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { registerPage } from "../../../lib/extensions";
import { hasRight } from "../../../lib/session";

export function registerAssignmentRules(): void {
  registerPage({
    path: "settings/assignment-rules",
    label: "assignmentRules.title",
    icon: ShareAltOutlined,
    component: lazy(() => import("./AssignmentRulesPage")),
    group: "settings",
    module: "sales",
    visible: (me) => hasRight(me, "manage_automation"),
  });
}
