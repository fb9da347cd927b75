/** What the cash screens read from the sales module (docs/api.md, "Quotes, contracts and
 * payments"): the contract's and the account's summaries, the contract's payments. */
import { useQuery } from "@tanstack/react-query";
import { ApiError, api } from "../../../lib/api";
import type { Me } from "../../../lib/session";
import { ME_KEY, can } from "../../../lib/session";
import { queryClient } from "../../../lib/queryClient";
import type { Page, RecordData } from "../../../lib/records";

/** One instalment as the contract summary gives it: amounts as decimal strings. */
export interface Instalment {
  id: string;
  contract: string;
  name: string;
  instalment: number | null;
  due_date: string;
  amount: string;
  collected: string;
  remaining: string;
  status: "open" | "partial" | "paid";
  days_overdue: number;
}

export type DueInstalment = Omit<Instalment, "status" | "days_overdue">;

interface Totals {
  currency: string;
  contracted: string;
  collected: string;
  outstanding: string;
  overdue: string;
  invoiced: string;
  overdue_instalments: (DueInstalment & { days_overdue: number })[];
  next_due: DueInstalment | null;
}

export interface ContractSummary extends Totals {
  contract: string;
  status: string | null;
  instalments: Instalment[];
  scheduled: string;
  unscheduled: string;
}

export interface AccountSummary extends Totals {
  account: string;
  open_pipeline: string;
  open_deals: number;
  won_this_year: string;
  won_deals: number;
  deals_in_other_currencies: number;
}

// Under the records' keys of their object: the record page's refresh after a change
// (and a saved edit of the record) reloads them with the record.
export const contractSummaryKey = (id: string) => ["records", "contract", "cash-summary", id] as const;
export const contractPaymentsKey = (id: string) => ["records", "payment", "of-contract", id] as const;
export const accountSummaryKey = (id: string) => ["records", "account", "cash-summary", id] as const;

export function useContractSummary(id: string) {
  return useQuery({
    queryKey: contractSummaryKey(id),
    queryFn: ({ signal }) => api.get<ContractSummary>(`/sales/contracts/${id}/summary`, signal),
  });
}

export function useAccountSummary(id: string) {
  return useQuery({
    queryKey: accountSummaryKey(id),
    queryFn: ({ signal }) => api.get<AccountSummary>(`/sales/accounts/${id}/summary`, signal),
  });
}

/** Enough payments for any real contract; more are a link to the list away. */
export const PAYMENTS_SHOWN = 100;

/** The contract's payments, latest first, with the instalment each is matched to. */
export function useContractPayments(id: string) {
  return useQuery({
    queryKey: contractPaymentsKey(id),
    queryFn: () =>
      api.post<Page>("/records/payment/query", {
        filter: { field: "contract", op: "eq", value: id },
        sort: ["-paid_on", "-created_at"],
        include: ["payment_plan"],
        limit: PAYMENTS_SHOWN,
        with_total: true,
      }),
  });
}

/** Whether the signed-in user may create records of `object` — for an action's
 * `visible`, which is not given the user: the session is loaded before any record page. */
export function mayCreate(object: string): boolean {
  return can(queryClient.getQueryData<Me>(ME_KEY), "create", object);
}

/** A refusal's words for the user: the field messages if it named fields, else its title
 * in the user's language (the `detail` is a developer's note in English). */
export function refusal(error: unknown, fallback: string): string {
  if (!(error instanceof ApiError)) return fallback;
  const fields = (error.problem.errors ?? []).map((e) => e.message).filter(Boolean);
  if (fields.length) return fields.join("; ");
  return error.problem.title ?? error.message;
}

/** The contract already made from a deal or a quote (for the link beside a 409). */
export async function existingContract(lookup: "opportunity" | "quote", id: string): Promise<RecordData | null> {
  const page = await api.post<Page>("/records/contract/query", { filter: { field: lookup, op: "eq", value: id }, limit: 1 });
  return page.records[0] ?? null;
}
