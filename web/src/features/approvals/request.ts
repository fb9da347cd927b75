/** Files on a decision: which uploads go with it, and a refusal's problems put on their files. */
import type { FieldProblem, StoredFile } from "../../lib/api";

/** What the decision form knows of one chosen file (antd's UploadFile, as far as needed). */
export interface ChosenFile {
  uid: string;
  name: string;
  status?: "uploading" | "done" | "error" | "removed";
  response?: StoredFile;
}

/** The files to send with a decision (uploaded, in the order chosen, their stored ids in
 * the same order) and whether any is still on its way or failed: a decision is sent only
 * with every file it shows. */
export function chosenFiles<F extends ChosenFile>(files: readonly F[]): { sent: F[]; ids: string[]; uploading: boolean; failed: boolean } {
  const sent = files.filter((f) => f.status === "done" && f.response);
  return {
    sent,
    ids: sent.map((f) => f.response?.id ?? ""),
    uploading: files.some((f) => f.status === "uploading"),
    failed: files.some((f) => f.status === "error"),
  };
}

const ATTACHMENT = /^attachment_ids\[(\d+)\]$/;

/** A refusal's problems with `attachment_ids[i]`, by the uid of the i-th file sent (its
 * name and the server's words), and the problems with anything else. */
export function fileProblems(problems: readonly FieldProblem[], sent: readonly ChosenFile[]): { byFile: Map<string, string>; rest: FieldProblem[] } {
  const byFile = new Map<string, string>();
  const rest: FieldProblem[] = [];
  for (const problem of problems) {
    const index = ATTACHMENT.exec(problem.field)?.[1];
    const file = index === undefined ? undefined : sent[Number(index)];
    if (file) byFile.set(file.uid, `${file.name}: ${problem.message}`);
    else rest.push(problem);
  }
  return { byFile, rest };
}
