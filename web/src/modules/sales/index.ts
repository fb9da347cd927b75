/** The sales module's additions to the generic record page (see lib/extensions.ts). */
import { FilePdfOutlined, NodeExpandOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { registerRecordExtension } from "../../lib/extensions";
import { ConvertedNotice } from "./ConvertedNotice";
import { AimOutlined, FundOutlined } from "@ant-design/icons";
import { registerPage } from "../../lib/extensions";
import { can } from "../../lib/session";
import { registerPoolsAndForms } from "./poolsAndForms";
import { registerCash } from "./cash/register";
import { registerStages } from "./stages/register";
import { registerAssignmentRules } from "./assignment/register";

/** A lead becomes "converted" by converting it, and stays as it was then. */
export const CONVERTED = "converted";

export function registerSales(): void {
  registerPoolsAndForms();
  registerRecordExtension({
    object: "lead",
    actions: [
      {
        key: "convert",
        label: "sales.convert",
        icon: NodeExpandOutlined,
        primary: true,
        stage: CONVERTED,
        visible: (record, { mayUpdate }) => mayUpdate && record.status !== CONVERTED,
        dialog: lazy(() => import("./ConvertLeadDialog")),
      },
    ],
    notice: ConvertedNotice,
    readOnly: (record) => record.status === CONVERTED,
    stageEnds: [CONVERTED, "disqualified"],
  });
  // Outcomes of the other objects' paths: one reached is not all of them passed.
  registerRecordExtension({ object: "opportunity", stageEnds: ["won", "lost"] });
  registerRecordExtension({ object: "contract", stageEnds: ["expired", "terminated"] });
  registerRecordExtension({
    object: "quote",
    stageEnds: ["accepted", "rejected", "expired"],
    actions: [
      {
        key: "pdf",
        label: "sales.downloadPdf",
        icon: FilePdfOutlined,
        href: (record, { language }) => `/api/v1/sales/quotes/${record.id}/pdf?language=${encodeURIComponent(language)}`,
      },
    ],
  });
  // The forecast and target attainment, beside the records (forecast/): shown to those
  // who may read what they count; the server answers each with their own scope.
  registerPage({
    path: "sales/forecast",
    label: "forecast.title",
    icon: FundOutlined,
    component: lazy(() => import("./forecast/ForecastPage")),
    module: "sales",
    visible: (me) => can(me, "read", "opportunity"),
  });
  registerPage({
    path: "sales/targets",
    label: "forecast.targets.title",
    icon: AimOutlined,
    component: lazy(() => import("./forecast/TargetsPage")),
    module: "sales",
    visible: (me) => can(me, "read", "sales_target"),
  });
  // Quotes → contracts → payments (回款), the contract's Payments tab, the account's totals.
  registerCash();
  // The deal's stage history tab (stages/).
  registerStages();
  // Settings · 分配规则: who becomes a new lead's owner (assignment/).
  registerAssignmentRules();
}
