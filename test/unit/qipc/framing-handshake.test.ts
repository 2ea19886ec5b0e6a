import assert from "node:assert/strict";
import { encodeHandshake, handshakeReply, parseHandshake } from "../../../qipc/src/handshake.js";

describe("qipc handshake", () => {
  it("splits credentials at the first colon and reads the capability byte", () => {
    assert.deepEqual(parseHandshake(Buffer.from("alice:pa:ss\x03")), {
      user: "alice",
      password: "pa:ss",
      capability: 3,
    });
  });

  it("takes a printable last byte as part of the credentials (no capability)", () => {
    assert.deepEqual(parseHandshake(Buffer.from("bob:secret")), {
      user: "bob",
      password: "secret",
      capability: 0,
    });
  });

  it("reads node-q's anonymous handshake and an empty one", () => {
    assert.deepEqual(parseHandshake(Buffer.from("anonymous\x03")), {
      user: "anonymous",
      password: "",
      capability: 3,
    });
    assert.deepEqual(parseHandshake(Buffer.alloc(0)), { user: "", password: "", capability: 0 });
  });

  it("answers min(capability, 3)", () => {
    assert.deepEqual(handshakeReply(6), Buffer.of(3));
    assert.deepEqual(handshakeReply(1), Buffer.of(1));
    assert.deepEqual(handshakeReply(0), Buffer.of(0));
  });

  it("encodes what it parses, and refuses a NUL in credentials", () => {
    const bytes = encodeHandshake("u", "p:w");
    assert.deepEqual(bytes, Buffer.from("u:p:w\x03\x00"));
    assert.deepEqual(parseHandshake(bytes.subarray(0, -1)), { user: "u", password: "p:w", capability: 3 });
    assert.deepEqual(encodeHandshake("u", ""), Buffer.from("u\x03\x00"));
    assert.throws(() => encodeHandshake("u\0", "x"), TypeError);
  });
});
