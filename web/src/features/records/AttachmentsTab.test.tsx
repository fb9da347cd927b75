import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { cleanup, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App as AntApp } from "antd";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import i18n from "../../lib/i18n";
import { AttachmentsTab } from "./AttachmentsTab";

const PATH = "/api/v1/records/account/a1/attachments";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function attachment(id: string, name: string, contentType: string, size: number) {
  return {
    id,
    file: { id: `f-${id}`, name, content_type: contentType, size },
    created_at: "2026-11-23T10:31:00+08:00",
    created_by: { id: "u1", name: "张伟 Zhang Wei" },
  };
}

function renderTab(mayAdd: boolean) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  // What the record page's timeline holds: a change must make it fetch again.
  client.setQueryData(["records", "account", "timeline", "a1"], { pages: [], pageParams: [] });
  render(
    <AntApp>
      <QueryClientProvider client={client}>
        <AttachmentsTab object="account" id="a1" mayAdd={mayAdd} />
      </QueryClientProvider>
    </AntApp>,
  );
  return client;
}

const timelineInvalidated = (client: QueryClient) =>
  client.getQueryState(["records", "account", "timeline", "a1"])?.isInvalidated;

beforeAll(async () => {
  await i18n.changeLanguage("en");
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("a record's attachments", () => {
  test("lists the files with download links, sizes, who and when; read-only shows no controls", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        json(200, {
          attachments: [attachment("a", "合同.pdf", "application/pdf", 48213), attachment("b", "card.png", "image/png", 532)],
          next_cursor: null,
        }),
      ),
    );
    renderTab(false);
    const link = await screen.findByRole("link", { name: "合同.pdf" });
    expect(link).toHaveAttribute("href", "/api/v1/files/f-a");
    expect(screen.getByText("47.1 KB · 张伟 Zhang Wei · 2026-11-23 10:31")).toBeInTheDocument();
    expect(screen.getByText("532 B · 张伟 Zhang Wei · 2026-11-23 10:31")).toBeInTheDocument();
    expect(screen.queryByText("Click or drag files here to attach them")).toBeNull();
    expect(screen.queryByRole("button", { name: /Remove/ })).toBeNull();
  });

  test("says so when there is nothing attached", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json(200, { attachments: [], next_cursor: null })));
    renderTab(true);
    expect(await screen.findByText("No attachments yet.")).toBeInTheDocument();
    expect(screen.getByText("Click or drag files here to attach them")).toBeInTheDocument();
  });

  test("uploads a dropped file to the record, then lists it and refreshes the timeline", async () => {
    let listed = [attachment("a", "合同.pdf", "application/pdf", 10)];
    const posted: FormData[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        expect(url.startsWith(PATH)).toBe(true);
        if (init?.method === "POST") {
          posted.push(init.body as FormData);
          const added = attachment("b", "名片.png", "image/png", 2048);
          listed = [added, ...listed];
          return json(201, added);
        }
        return json(200, { attachments: listed, next_cursor: null });
      }),
    );
    const client = renderTab(true);
    await screen.findByRole("link", { name: "合同.pdf" });
    const input = document.querySelector<HTMLInputElement>('input[type="file"]');
    expect(input).not.toBeNull();
    await userEvent.setup().upload(input as HTMLInputElement, new File(["\x89PNG"], "名片.png", { type: "image/png" }));
    expect(await screen.findByRole("link", { name: "名片.png" })).toBeInTheDocument();
    expect(posted).toHaveLength(1);
    expect((posted[0]?.get("file") as File).name).toBe("名片.png");
    expect(await screen.findByText("Attached 名片.png.")).toBeInTheDocument();
    expect(timelineInvalidated(client)).toBe(true);
  });

  test("removes an attachment once confirmed, and shows the server's refusal", async () => {
    const deleted: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        if (init?.method === "DELETE") {
          deleted.push(url);
          return json(403, { status: 403, code: "permission_denied", detail: "you may read this account record but not change it" });
        }
        return json(200, { attachments: [attachment("a", "合同.pdf", "application/pdf", 10)], next_cursor: null });
      }),
    );
    renderTab(true);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Remove 合同.pdf" }));
    const confirm = await screen.findByRole("tooltip");
    expect(within(confirm).getByText("Remove the attachment “合同.pdf”?")).toBeInTheDocument();
    await user.click(within(confirm).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(deleted).toEqual([`${PATH}/a`]));
    expect(await screen.findByText("you may read this account record but not change it")).toBeInTheDocument();
  });
});
