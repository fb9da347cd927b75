/** Settings · 自动化规则 (automation rules): a platform feature, for every object, shown to
 * those who manage automation. */
import { ThunderboltOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { registerPage } from "../../lib/extensions";
import { hasRight } from "../../lib/session";

export function registerAutomation(): void {
  registerPage({
    path: "settings/automation-rules",
    label: "automation.title",
    icon: ThunderboltOutlined,
    component: lazy(() => import("./AutomationRulesPage")),
    group: "settings",
    module: "platform",
    visible: (me) => hasRight(me, "manage_automation"),
  });
}
