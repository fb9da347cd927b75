/**
 * A payment plan as the user fills it in — instalments by amount or by percentage of the
 * contract, each with a due date — turned into the body of
 * `POST /sales/contracts/{id}/payment-plan`, with what is wrong with each row. The server
 * checks the same rules again (and has the last word); checking here answers as one
 * types.
 */
import dayjs from "dayjs";
import { HUNDRED_PERCENT, centsText, microPercentText, percentOf, toCents, toMicroPercent } from "./decimal";

export type PlanMode = "amount" | "percent";

/** One row of the form: `value` is an amount or a percentage, as `mode` says. */
export interface PlanRow {
  due_date: string | null;
  value: string | null;
}

/** An i18n key under `cash.plan` saying what is wrong, with its values. */
export interface RowProblem {
  index: number;
  field: "due_date" | "value";
  key: "dueRequired" | "valueRequired" | "notAmount" | "notPercent" | "notPositive" | "overPlanned" | "overHundred";
  values?: Record<string, string>;
}

export interface PlanCheck {
  /** The request body's instalments (amounts as exact decimal strings). */
  instalments: { due_date: string; amount: string }[];
  /** The amount each row comes to (null when it cannot be worked out yet). */
  amounts: (string | null)[];
  problems: RowProblem[];
  /** Σ of the rows' amounts, and what would remain unscheduled after them. */
  total: string;
  left: string;
}

/**
 * Check the rows against the contract: `contract` is its amount, `unscheduled` what its
 * existing instalments leave. By percentage, each row is that share of the contract
 * amount rounded half-up to a cent; when the shares make exactly 100% of a contract with
 * nothing scheduled yet, the last row takes what the rounding left, so the plan adds up
 * to the contract to the cent.
 */
export function checkPlan(rows: PlanRow[], mode: PlanMode, contract: string, unscheduled: string): PlanCheck {
  const contractCents = toCents(contract) ?? 0n;
  const open = toCents(unscheduled) ?? 0n;
  const problems: RowProblem[] = [];
  const amounts: (bigint | null)[] = [];
  let percents = 0n;
  rows.forEach((row, index) => {
    if (!row.due_date) problems.push({ index, field: "due_date", key: "dueRequired" });
    const text = row.value?.trim() ?? "";
    if (!text) {
      problems.push({ index, field: "value", key: "valueRequired" });
      amounts.push(null);
      return;
    }
    if (mode === "percent") {
      const percent = toMicroPercent(text);
      if (percent === null) {
        problems.push({ index, field: "value", key: "notPercent" });
        amounts.push(null);
        return;
      }
      percents += percent;
      const cents = percentOf(contractCents, percent);
      if (cents <= 0n) problems.push({ index, field: "value", key: "notPositive" });
      amounts.push(cents);
      return;
    }
    const cents = toCents(text);
    if (cents === null) {
      problems.push({ index, field: "value", key: "notAmount" });
      amounts.push(null);
      return;
    }
    if (cents <= 0n) problems.push({ index, field: "value", key: "notPositive" });
    amounts.push(cents);
  });
  if (mode === "percent" && percents === HUNDRED_PERCENT && open === contractCents && amounts.every((a) => a !== null)) {
    const others = amounts.slice(0, -1).reduce<bigint>((sum, a) => sum + (a ?? 0n), 0n);
    amounts[amounts.length - 1] = contractCents - others;
  }
  let running = 0n;
  amounts.forEach((cents, index) => {
    if (cents === null) return;
    running += cents;
    if (running > open && cents > 0n) {
      problems.push({ index, field: "value", key: "overPlanned", values: { total: centsText(running), open: centsText(open) } });
    }
  });
  if (mode === "percent" && percents > HUNDRED_PERCENT) {
    problems.push({ index: rows.length - 1, field: "value", key: "overHundred", values: { percent: microPercentText(percents) } });
  }
  return {
    instalments: rows.map((row, index) => ({ due_date: row.due_date ?? "", amount: centsText(amounts[index] ?? 0n) })),
    amounts: amounts.map((a) => (a === null ? null : centsText(a))),
    problems,
    total: centsText(running),
    left: centsText(open - running),
  };
}

/**
 * `count` instalments splitting what is unscheduled evenly, a month apart from `first`
 * (the last one takes the odd cents or the rounding of the percentages). By percentage
 * the shares are of the contract amount and add up to what is unscheduled of it.
 */
export function evenSplit(count: number, mode: PlanMode, contract: string, unscheduled: string, first: string): PlanRow[] {
  const n = BigInt(Math.max(1, Math.floor(count)));
  const open = toCents(unscheduled) ?? 0n;
  const contractCents = toCents(contract) ?? 0n;
  const start = dayjs(first);
  const dates = Array.from({ length: Number(n) }, (_, i) => start.add(i, "month").format("YYYY-MM-DD"));
  if (mode === "amount") {
    const each = open / n;
    return dates.map((due_date, i) => ({ due_date, value: centsText(i === dates.length - 1 ? open - each * (n - 1n) : each) }));
  }
  // The share of the contract still open, in steps of 0.01% (1 = 10^4 micro-percent).
  const share = contractCents > 0n ? (open * HUNDRED_PERCENT) / contractCents : 0n;
  const step = 10_000n;
  const each = ((share / n) / step) * step;
  return dates.map((due_date, i) => ({ due_date, value: microPercentText(i === dates.length - 1 ? share - each * (n - 1n) : each) }));
}

/** Where the server's refusal of a plan goes: per row (`index`) on the amount or date
 * field (the amount's message on the percentage in that mode), else above the rows. */
export function placeServerErrors(errors: { field: string; message: string; index?: number }[]): {
  rows: { index: number; field: "due_date" | "value"; message: string }[];
  other: string[];
} {
  const rows: { index: number; field: "due_date" | "value"; message: string }[] = [];
  const other: string[] = [];
  for (const error of errors) {
    const field = error.field.replace(/^instalments\.(\d+\.)?/, "");
    if (typeof error.index === "number" && (field === "amount" || field === "due_date")) {
      rows.push({ index: error.index, field: field === "amount" ? "value" : "due_date", message: error.message });
    } else {
      other.push(error.message);
    }
  }
  return { rows, other };
}
