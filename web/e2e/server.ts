/**
 * Global set-up of the e2e run: a fresh SQLite database with the demo data (or the empty
 * database GUANXI_E2E_DATABASE_URL names, e.g. PostgreSQL), and a real `guanxi serve` on a
 * free port serving the built app. Torn down after the last file.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

const root = resolve(import.meta.dirname, "..", "..");
const guanxi = process.env.GUANXI_BIN ?? join(root, ".venv", "bin", "guanxi");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`guanxi serve exited with ${String(child.exitCode)}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${String(seconds)} s`);
}

let server: ChildProcess | null = null;
let dir = "";

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), "guanxi-e2e-"));
  const port = await freePort();
  const env = {
    ...process.env,
    // GUANXI_E2E_DATABASE_URL runs the suite on another, empty database (PostgreSQL).
    GUANXI_DATABASE_URL: process.env.GUANXI_E2E_DATABASE_URL ?? `sqlite:///${join(dir, "e2e.db")}`,
    GUANXI_FILES_DIR: join(dir, "files"),
    GUANXI_LOG_LEVEL: "warning",
  };
  for (const command of [["migrate"], ["demo"]]) {
    const result = spawnSync(guanxi, command, { env, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`guanxi ${command.join(" ")} failed:\n${result.stderr}`);
  }
  server = spawn(guanxi, ["serve", "--port", String(port)], { env, stdio: ["ignore", "inherit", "inherit"] });
  const base = `http://127.0.0.1:${String(port)}`;
  await waitFor(`${base}/api/v1/health`, server, 60);
  project.provide("baseUrl", base);
}

export function teardown(): void {
  server?.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}
