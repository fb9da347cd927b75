/** Approval requests and processes over /api/v1 (docs/api.md "Approval processes"). */
import { useQuery } from "@tanstack/react-query";
import { ApiError, api } from "../../lib/api";
import type { Label } from "../../lib/meta";
import type { Mode, Process } from "./process";

export interface Person {
  id: string;
  name: string | null;
}

export type RequestState = "pending" | "approved" | "rejected" | "recalled";

/** A decision awaiting the signed-in user (`GET /approvals/inbox`). */
export interface InboxItem {
  id: string;
  task_id: string;
  object: string;
  /** The object's label: an approver need not be able to list the object's metadata. */
  object_label: Label | null;
  record: { id: string; name: string | null };
  step: { index: number; name: Label; mode: Mode };
  submitted_by: Person | null;
  submitted_at: string;
  waiting_since: string;
  original_approver: Person | null;
}

/** A request the signed-in user submitted (`GET /approvals/inbox?view=submitted`). */
export interface SubmittedItem {
  id: string;
  object: string;
  object_label: Label | null;
  record: { id: string; name: string | null };
  state: RequestState;
  step: { index: number; name: Label; mode: Mode } | null;
  approvers: Person[];
  submitted_by: Person | null;
  submitted_at: string;
  decided_at: string | null;
}

/** A file listed on a trail entry: one of the record's attachments (`content_type` and
 * `size` null once the file itself is gone; its name is kept). */
export interface TrailFile {
  id: string;
  file: { id: string; name: string; content_type: string | null; size: number | null };
}

export interface TrailEntry {
  action: string;
  approval_id: string;
  comment: string | null;
  at: string;
  actor: Person | null;
  step?: { index: number; name: Label };
  original_approver?: Person;
  to_user?: Person;
  to_step?: number;
  attachments?: TrailFile[];
}

export interface ApprovalTask {
  id: string;
  step: number;
  approver: Person;
  original_approver: Person;
  state: "waiting" | "pending" | "approved" | "rejected" | "cancelled";
  comment: string | null;
  acted_at: string | null;
}

/** A request with its planned steps, every approver's task and the trail. */
export interface ApprovalRequest {
  id: string;
  process_id: string;
  object: string;
  object_label: Label | null;
  record_id: string;
  record_name: string | null;
  state: RequestState;
  step: number | null;
  steps: { index: number; name: Label; mode: Mode; approvers: Person[] }[];
  tasks: ApprovalTask[];
  submitted_by: Person | null;
  submitted_at: string;
  decided_at: string | null;
  trail: TrailEntry[];
}

export const APPROVALS_KEY = ["approvals"] as const;
export const PROCESSES_KEY = ["approvals", "processes"] as const;

export function useProcesses(enabled: boolean) {
  return useQuery({
    queryKey: PROCESSES_KEY,
    enabled,
    queryFn: ({ signal }) => api.get<{ processes: Process[] }>("/approvals/processes", signal).then((r) => r.processes),
  });
}

export function useProcess(id: string | null) {
  return useQuery({
    queryKey: [...PROCESSES_KEY, id],
    enabled: !!id,
    queryFn: ({ signal }) => api.get<Process>(`/approvals/processes/${id ?? ""}`, signal),
  });
}

export function useInbox() {
  return useQuery({
    queryKey: [...APPROVALS_KEY, "inbox"],
    queryFn: ({ signal }) => api.get<{ approvals: InboxItem[] }>("/approvals/inbox", signal).then((r) => r.approvals),
  });
}

export function useSubmitted() {
  return useQuery({
    queryKey: [...APPROVALS_KEY, "submitted"],
    queryFn: ({ signal }) => api.get<{ approvals: SubmittedItem[] }>("/approvals/inbox?view=submitted", signal).then((r) => r.approvals),
  });
}

export function useRequest(id: string | null) {
  return useQuery({
    queryKey: [...APPROVALS_KEY, "request", id],
    enabled: !!id,
    queryFn: ({ signal }) => api.get<ApprovalRequest>(`/approvals/${id ?? ""}`, signal),
  });
}

/** The record's latest request; null when it has none. */
export function useRecordApproval(object: string, id: string) {
  return useQuery({
    queryKey: [...APPROVALS_KEY, "record", object, id],
    queryFn: async ({ signal }) => {
      try {
        return await api.get<ApprovalRequest>(`/records/${object}/${id}/approval`, signal);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
}

/** The active processes the record could be submitted to now. */
export function useSubmittable(object: string, id: string, enabled: boolean) {
  return useQuery({
    queryKey: [...APPROVALS_KEY, "submittable", object, id],
    enabled,
    queryFn: ({ signal }) => api.get<{ processes: { id: string; name: Label }[] }>(`/records/${object}/${id}/approval/processes`, signal).then((r) => r.processes),
  });
}
