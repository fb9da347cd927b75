import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { App as AntApp } from "antd";
import { createMemoryRouter, RouterProvider } from "react-router-dom";
import { afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import i18n from "../../lib/i18n";
import { SignIn } from "./SignIn";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function renderSignIn() {
  const router = createMemoryRouter([
    { path: "/login", element: <SignIn /> },
    { path: "/", element: <p>home page</p> },
  ], { initialEntries: ["/login"] });
  render(
    <AntApp>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </AntApp>,
  );
}

beforeAll(async () => {
  await i18n.changeLanguage("en");
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("signing in", () => {
  test("asks for the two-factor code when the server wants one, then goes home", async () => {
    const logins: unknown[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.endsWith("/auth/options")) return json(200, { sso: { enabled: true, login_url: "/api/v1/auth/oidc/login" } });
        const body = JSON.parse(String(init?.body)) as { otp?: string };
        logins.push(body);
        return body.otp
          ? json(200, { csrf_token: "t", user_id: "u" })
          : json(401, { status: 401, code: "otp_required", otp_required: true });
      }),
    );
    renderSignIn();
    expect(await screen.findByRole("link", { name: "Sign in with single sign-on" })).toHaveAttribute(
      "href",
      "/api/v1/auth/oidc/login",
    );
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("E-mail"), "rep.zhang@example.com");
    await user.type(screen.getByLabelText("Password"), "guanxi-demo");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await user.type(await screen.findByLabelText("Verification code"), "123456");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    await waitFor(() => expect(screen.getByText("home page")).toBeInTheDocument());
    expect(logins).toEqual([
      { email: "rep.zhang@example.com", password: "guanxi-demo" },
      { email: "rep.zhang@example.com", password: "guanxi-demo", otp: "123456" },
    ]);
  });

  test("says so when the password is wrong", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        url.endsWith("/auth/options") ? json(200, { sso: { enabled: false, login_url: null } }) : json(401, { status: 401 }),
      ),
    );
    renderSignIn();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText("E-mail"), "rep.zhang@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong");
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("The e-mail or password is not right.");
    expect(screen.queryByRole("link", { name: "Sign in with single sign-on" })).toBeNull();
  });
});
