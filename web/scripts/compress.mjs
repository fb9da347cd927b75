// Writes a gzip copy beside each text file of the build: `guanxi serve` sends it to
// browsers that accept gzip, so serving costs no compression work per request.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { constants, gzipSync } from "node:zlib";

const dist = fileURLToPath(new URL("../../src/guanxi/web/dist", import.meta.url));
const TEXT = /\.(js|css|html|svg|json)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (TEXT.test(name)) {
      writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION }));
    }
  }
}

walk(dist);
