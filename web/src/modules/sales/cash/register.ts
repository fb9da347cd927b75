/** Quotes → contracts → payments (回款) on the record pages: the actions that make a
 * contract or a quote's next version, the contract's Payments tab, the account's totals. */
import { DiffOutlined, FileProtectOutlined } from "@ant-design/icons";
import { lazy } from "react";
import { registerRecordExtension } from "../../../lib/extensions";
import type { RecordData } from "../../../lib/records";
import { mayCreate } from "./cashApi";

/** Quote statuses that cannot be revised: an accepted quote is settled, a superseded one
 * has a newer version already. */
const FINAL_QUOTE = new Set(["accepted", "superseded"]);

const CreateContractDialog = lazy(() => import("./CreateContractDialog"));

export const wonDeal = (record: RecordData) => record.stage === "won";
export const acceptedQuote = (record: RecordData) => record.status === "accepted";
export const revisable = (record: RecordData) => !FINAL_QUOTE.has(String(record.status ?? "draft"));

export function registerCash(): void {
  registerRecordExtension({
    object: "opportunity",
    actions: [
      {
        key: "create-contract",
        label: "cash.createContract",
        icon: FileProtectOutlined,
        primary: true,
        visible: (record) => wonDeal(record) && mayCreate("contract"),
        dialog: CreateContractDialog,
      },
    ],
  });
  registerRecordExtension({
    object: "quote",
    actions: [
      {
        key: "revise",
        label: "cash.revise",
        icon: DiffOutlined,
        visible: (record, { mayUpdate }) => mayUpdate && revisable(record) && mayCreate("quote"),
        dialog: lazy(() => import("./ReviseQuoteDialog")),
      },
      {
        key: "create-contract",
        label: "cash.createContract",
        icon: FileProtectOutlined,
        primary: true,
        visible: (record) => acceptedQuote(record) && mayCreate("contract"),
        dialog: CreateContractDialog,
      },
    ],
  });
  registerRecordExtension({
    object: "contract",
    tabs: [{ key: "payments", label: "cash.paymentsTab", first: true, component: lazy(() => import("./ContractPaymentsTab")) }],
  });
  registerRecordExtension({
    object: "account",
    summary: lazy(() => import("./AccountSummary")),
  });
}
