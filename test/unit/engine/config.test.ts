import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configFromEnv, describeConfig, engineConfig } from "../../../engine/src/config.js";
import { loadAuthenticator } from "../../../engine/src/credentials.js";

describe("engine: configuration", () => {
  it("reads the environment once, with defaults", () => {
    const config = configFromEnv({
      GURU_SEGMENTS: "/a, /b",
      GURU_PORT: "6000",
      GURU_ALLOW_ANONYMOUS: "true",
    });
    assert.deepEqual(config.segments, ["/a", "/b"]);
    assert.equal(config.port, 6000);
    assert.equal(config.allowAnonymous, true);
    assert.equal(config.maxRows, 1_000_000);
    assert.throws(() => configFromEnv({}));
    assert.throws(() => configFromEnv({ GURU_SEGMENTS: "/a", GURU_PORT: "99999" }));
  });

  it("never puts the password in its description", () => {
    const config = engineConfig({ segments: ["/a"], credentials: "admin:s3cret" });
    assert.ok(!JSON.stringify(describeConfig(config)).includes("s3cret"));
  });

  it("checks logins against a file and the environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "guru-creds-"));
    try {
      const file = join(dir, "users");
      writeFileSync(file, "# comment\nalice:pa:ss\n\nbob:pw\n");
      const check = loadAuthenticator(
        engineConfig({ segments: ["/a"], credentialsFile: file, credentials: "carol:c" }),
      );
      assert.ok(check("alice", "pa:ss"));
      assert.ok(check("bob", "pw"));
      assert.ok(check("carol", "c"));
      assert.ok(!check("bob", "pw2"));
      assert.ok(!check("mallory", ""));
      assert.throws(() => loadAuthenticator(engineConfig({ segments: ["/a"] })));
      assert.ok(loadAuthenticator(engineConfig({ segments: ["/a"], allowAnonymous: true }))("any", "thing"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
