// Test support: a self-signed certificate for 127.0.0.1, made by openssl for the test file and removed after it.
import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Paths of the PEM certificate and key; the files exist once the file's beforeAll hooks have run. */
export function useCertificate(name: string): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), `ktn-${name}-`));
  const paths = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem") };
  beforeAll(async () => {
    // openssl comes with Debian (.ci/run installs it when missing).
    const openssl = Bun.spawn(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", paths.key, "-out", paths.cert, "-days", "1", "-subj", "/CN=127.0.0.1"], { stdout: "ignore", stderr: "pipe" });
    if ((await openssl.exited) !== 0) throw new Error(`openssl failed: ${await new Response(openssl.stderr).text()}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return paths;
}
