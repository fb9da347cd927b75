import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App as AntApp } from "antd";
import { MemoryRouter } from "react-router-dom";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import i18n from "../../lib/i18n";
import { ME_KEY } from "../../lib/session";
import { approvalRequest } from "../../test/approvals";
import { DecisionButtons } from "./RequestDrawer";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** The file store behind `POST /api/v1/files`, as the browser's XHR reaches it: it
 * reports the body sent in two halves, then answers with the stored file. */
class FileStore {
  static stored: string[] = [];
  status = 0;
  responseText = "";
  upload: { onprogress: ((event: { lengthComputable: boolean; loaded: number; total: number }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  withCredentials = false;
  open(method: string, url: string) {
    expect([method, url]).toEqual(["POST", "/api/v1/files"]);
  }
  setRequestHeader() {}
  send(body: FormData) {
    const file = body.get("file") as File;
    FileStore.stored.push(file.name);
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 5, total: 10 });
      this.status = 201;
      this.responseText = JSON.stringify({ id: `f-${file.name}`, name: file.name, content_type: file.type, size: file.size });
      this.onload?.();
    }, 0);
  }
}

beforeAll(async () => {
  await i18n.changeLanguage("en");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  FileStore.stored = [];
});

describe("files on a decision", () => {
  test("uploads the chosen files, sends their ids, and puts a refusal on the file it names", async () => {
    vi.stubGlobal("XMLHttpRequest", FileStore);
    const decided: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        expect(url).toBe("/api/v1/approvals/r1/approve");
        const body = JSON.parse(String(init?.body)) as { attachment_ids?: string[] };
        decided.push(body);
        if (body.attachment_ids?.includes("f-b.pdf")) {
          return json(422, { status: 422, title: "Invalid", errors: [{ field: "attachment_ids[1]", code: "unknown", message: "no file or attachment of this record you may use" }] });
        }
        return json(200, request);
      }),
    );
    const request = approvalRequest();
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    client.setQueryData(ME_KEY, { id: "qian", name: "qian" });
    render(
      <AntApp>
        <QueryClientProvider client={client}>
          <MemoryRouter>
            <DecisionButtons request={request} />
          </MemoryRouter>
        </QueryClientProvider>
      </AntApp>,
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole("button", { name: /Approve/ }));
    const dialog = await screen.findByRole("dialog", { name: "Approve" });
    const input = dialog.querySelector<HTMLInputElement>('input[type="file"]');
    expect(input).not.toBeNull();
    await user.upload(input as HTMLInputElement, [new File(["a"], "a.pdf", { type: "application/pdf" }), new File(["b"], "b.pdf", { type: "application/pdf" })]);
    expect(FileStore.stored).toEqual(["a.pdf", "b.pdf"]);
    await waitFor(() => expect(dialog.querySelectorAll(".ant-upload-list-item-done")).toHaveLength(2));

    await user.click(within(dialog).getByRole("button", { name: "Approve" }));
    expect(await within(dialog).findByText("b.pdf: no file or attachment of this record you may use")).toBeInTheDocument();
    expect(decided).toEqual([{ attachment_ids: ["f-a.pdf", "f-b.pdf"] }]);
    expect(dialog.querySelector(".ant-upload-list-item-error")?.textContent).toContain("b.pdf");

    // Not sent again with a refused file on show; removed, it goes without it.
    await user.click(within(dialog).getByRole("button", { name: "Approve" }));
    expect(await screen.findByText("Remove the files that could not be attached first.")).toBeInTheDocument();
    expect(decided).toHaveLength(1);
    const refused = dialog.querySelector<HTMLElement>(".ant-upload-list-item-error");
    await user.click(within(refused as HTMLElement).getByRole("button", { name: /remove|delete/i }));
    await waitFor(() => expect(within(dialog).queryByText("b.pdf: no file or attachment of this record you may use")).toBeNull());
    await user.click(within(dialog).getByRole("button", { name: "Approve" }));
    await waitFor(() => expect(decided).toEqual([{ attachment_ids: ["f-a.pdf", "f-b.pdf"] }, { attachment_ids: ["f-a.pdf"] }]));
  });
});
