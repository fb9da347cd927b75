/** The sales module's customer pools (公海) and web-to-lead forms on the generic screens
 * (see lib/extensions.ts): their pages, and on an account "Release to pool" with its
 * pool history. Called from `registerSales` (index.ts). */
import { ControlOutlined, FormOutlined, InboxOutlined, RollbackOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { registerPage, registerRecordExtension } from "../../lib/extensions";
import { can, hasRight } from "../../lib/session";
import { PoolNotice } from "./pools/PoolNotice";

export function registerPoolsAndForms(): void {
  // The settings page first: the navigation marks the first page whose path starts the
  // address, and "/sales/pools/settings" starts with "/sales/pools" too.
  registerPage({
    path: "sales/pools/settings",
    label: "pools.settingsTitle",
    icon: ControlOutlined,
    component: lazy(() => import("./pools/PoolSettingsPage")),
    group: "settings",
    module: "sales",
    visible: (me) => hasRight(me, "manage_automation"),
  });
  registerPage({
    path: "sales/pools",
    label: "pools.title",
    icon: InboxOutlined,
    component: lazy(() => import("./pools/PoolsPage")),
    module: "sales",
    // Pool membership is the server's to say (the page lists the user's pools); the
    // accounts in a pool are accounts, for those who may read accounts at all.
    visible: (me) => can(me, "read", "account"),
  });
  registerPage({
    path: "sales/forms",
    label: "webForms.title",
    icon: FormOutlined,
    component: lazy(() => import("./forms/FormsPage")),
    group: "settings",
    module: "sales",
    // The forms API lets whoever may create leads manage their own forms.
    visible: (me) => can(me, "create", "lead"),
  });
  registerRecordExtension({
    object: "account",
    actions: [
      {
        key: "release",
        label: "pools.releaseAction",
        icon: RollbackOutlined,
        // Its owner, or a manager who may change the owner; the server has the last word.
        visible: (record, { mayUpdate }) => mayUpdate && !!record.owner_id && record.pool_state !== "in_pool",
        dialog: lazy(() => import("./pools/ReleaseDialog")),
      },
    ],
    notice: PoolNotice,
    tabs: [{ key: "pool-history", label: "pools.history", component: lazy(() => import("./pools/PoolHistoryTab")) }],
  });
}
