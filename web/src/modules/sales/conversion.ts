/** Lead conversion as the dialog needs it: the duplicate suggestions it offers, the
 * request it sends and where the server's refusals are shown. */
import type { FieldProblem } from "../../lib/api";

export interface Candidate {
  id: string;
  name: string;
  /** 0..1: how alike the lead and the record are. */
  score: number;
  /** Codes such as "same_company_key", "same_phone" (shown translated when known). */
  reasons: string[];
}

export interface Duplicates {
  accounts: Candidate[];
  contacts: Candidate[];
}

export const NO_DUPLICATES: Duplicates = { accounts: [], contacts: [] };

/** The choice for the account or the contact: make one from the lead, or use a record
 * (a suggestion, or one the user searched for). */
export type Target = { kind: "new" } | { kind: "existing"; id: string | null };

/** The account choice a dialog starts with: the best suggestion, else a new account. */
export function initialAccount(duplicates: Duplicates): Target {
  const best = [...duplicates.accounts].sort((a, b) => b.score - a.score)[0];
  return best ? { kind: "existing", id: best.id } : { kind: "new" };
}

export function defaultOpportunityName(company: string, language: string): string {
  return language.startsWith("zh") ? `${company} - 商机` : `${company} deal`;
}

export interface OpportunityDraft {
  name: string;
  /** A decimal string, or empty. */
  amount: string | null;
  /** YYYY-MM-DD, or empty. */
  close_date: string | null;
}

export interface ConvertBody {
  account_id?: string;
  contact_id?: string;
  opportunity?: { name: string; amount?: string; close_date?: string };
}

/** The request body; an existing target without a record picked is left out (the
 * dialog refuses to send it before). */
export function conversionBody(account: Target, contact: Target, opportunity: OpportunityDraft | null): ConvertBody {
  const body: ConvertBody = {};
  if (account.kind === "existing" && account.id) body.account_id = account.id;
  if (contact.kind === "existing" && contact.id) body.contact_id = contact.id;
  if (opportunity) {
    body.opportunity = { name: opportunity.name.trim() };
    if (opportunity.amount) body.opportunity.amount = opportunity.amount;
    if (opportunity.close_date) body.opportunity.close_date = opportunity.close_date;
  }
  return body;
}

export const OPPORTUNITY_FIELDS = ["name", "amount", "close_date"] as const;
export type OpportunityField = (typeof OPPORTUNITY_FIELDS)[number];

export interface PlacedErrors {
  account?: string;
  contact?: string;
  opportunity: Partial<Record<OpportunityField, string>>;
  /** Everything not about one of the dialog's inputs. */
  other: string[];
}

/** Where each field refusal goes: `opportunity.amount` (the request's own validation)
 * or `amount` (the new opportunity's record rules) on the opportunity's inputs when one
 * was asked for, `account_id` / `contact_id` on their choices, the rest above the form. */
export function placeErrors(errors: FieldProblem[], withOpportunity: boolean): PlacedErrors {
  const out: PlacedErrors = { opportunity: {}, other: [] };
  for (const error of errors) {
    const field = error.field.replace(/^body\./, "");
    const inOpportunity = field.startsWith("opportunity.") ? field.slice("opportunity.".length) : withOpportunity && field !== "name" ? field : null;
    if (field === "account_id") out.account = error.message;
    else if (field === "contact_id") out.contact = error.message;
    else if (inOpportunity && (OPPORTUNITY_FIELDS as readonly string[]).includes(inOpportunity)) out.opportunity[inOpportunity as OpportunityField] = error.message;
    else out.other.push(error.message);
  }
  return out;
}
