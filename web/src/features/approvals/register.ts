/** Approvals in the web app (a platform feature, for every object): Settings · 审批流程
 * with the flow designer, 我的审批 in the main navigation, and on every record page the
 * submit action and the request's banner. */
import { AuditOutlined, NodeIndexOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { explainProblem } from "../../lib/api";
import { EVERY_OBJECT, registerPage, registerRecordExtension } from "../../lib/extensions";
import i18n from "../../lib/i18n";
import { hasRight } from "../../lib/session";
import { ApprovalNotice, SubmitForApproval } from "./RecordApproval";

export function registerApprovals(): void {
  registerPage({
    path: "approvals",
    label: "approvals.inbox.title",
    icon: AuditOutlined,
    component: lazy(() => import("./InboxPage")),
    group: "main",
    module: "approvals",
  });
  registerPage({
    path: "settings/approval-processes",
    label: "approvals.processes",
    icon: NodeIndexOutlined,
    component: lazy(() => import("./ProcessesPage")),
    group: "settings",
    module: "approvals",
    visible: (me) => hasRight(me, "manage_automation"),
  });
  registerRecordExtension({ object: EVERY_OBJECT, toolbar: SubmitForApproval, notice: ApprovalNotice });
  // A save refused because the record awaits approval says so, in the user's language.
  explainProblem("approval_pending", () => i18n.t("approvals.pendingRefusal"));
}
