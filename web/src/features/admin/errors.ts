import type { FormInstance } from "antd";
import { ApiError } from "../../lib/api";

/**
 * Put a refusal's field errors on the form's fields (the server names them as the body
 * does); what names no field of the form is returned for a message.
 */
export function placeErrors(form: FormInstance, error: unknown, fields: readonly string[], fallback: string): string | null {
  if (!(error instanceof ApiError)) return fallback;
  const placed = (error.problem.errors ?? []).filter((e) => fields.includes(e.field.split(".")[0] ?? ""));
  form.setFields(placed.map((e) => ({ name: e.field.split(".")[0] ?? "", errors: [e.message] })));
  return placed.length ? null : error.message;
}
