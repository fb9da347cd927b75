/** The sales module's additions to the generic record page (see lib/extensions.ts). */
import { FilePdfOutlined, NodeExpandOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { registerRecordExtension } from "../../lib/extensions";
import { ConvertedNotice } from "./ConvertedNotice";
import { registerCash } from "./cash/register";

/** A lead becomes "converted" by converting it, and stays as it was then. */
export const CONVERTED = "converted";

export function registerSales(): void {
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
  // Quotes → contracts → payments (回款), the contract's Payments tab, the account's totals.
  registerCash();
}
