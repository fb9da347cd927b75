/** 阶段历史 on the deal's record page: the stages it has been in, from the server's
 * history (GET /sales/opportunities/{id}/stages). */
import { lazy } from "react";
import { registerRecordExtension } from "../../../lib/extensions";

export function registerStages(): void {
  registerRecordExtension({
    object: "opportunity",
    tabs: [{ key: "stage-history", label: "stages.tab", component: lazy(() => import("./StageHistoryTab")) }],
  });
}
