import { describe, expect, it } from "vitest";
import { hashPassword, PASSWORD_RULES, passwordProblem, verifyNobody, verifyPassword } from "./passwords.js";

const PASSWORD = "correct horse battery staple";

describe("hashPassword / verifyPassword", () => {
  it("writes a self-describing scrypt string with a random 16-byte salt and a 32-byte hash", async () => {
    const first = await hashPassword(PASSWORD);
    const second = await hashPassword(PASSWORD);
    const format = /^scrypt\$15\$8\$1\$([A-Za-z0-9+/]{22}==)\$([A-Za-z0-9+/]{43}=)$/;
    expect(first).toMatch(format);
    expect(Buffer.from(format.exec(first)?.[1] ?? "", "base64")).toHaveLength(16);
    expect(Buffer.from(format.exec(first)?.[2] ?? "", "base64")).toHaveLength(32);
    expect(second).not.toBe(first); // a fresh salt each time
    expect(first).not.toContain(PASSWORD);
  });

  it("verifies the right password and refuses any other", async () => {
    const stored = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    expect(await verifyPassword(`${PASSWORD} `, stored)).toBe(false);
    expect(await verifyPassword("Correct horse battery staple", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("treats canonically equal Unicode spellings as the same password", async () => {
    const stored = await hashPassword("caf\u00e9 au lait, s'il vous plaît");
    expect(await verifyPassword("cafe\u0301 au lait, s'il vous plaît", stored)).toBe(true);
  });

  it("never matches a malformed or out-of-bounds stored string", async () => {
    const stored = await hashPassword(PASSWORD);
    const [, , r, p, salt, hash] = stored.split("$");
    for (const bad of [
      "",
      "plain-text-password",
      stored.replace("scrypt$", "bcrypt$"),
      `scrypt$25$${r}$${p}$${salt}$${hash}`, // N = 2^25: would take gigabytes
      `scrypt$15$64$${p}$${salt}$${hash}`,
      `scrypt$15$${r}$${p}$${salt}$`,
      `scrypt$15$${r}$${p}$${salt}$${hash}$extra`,
    ]) {
      expect(await verifyPassword(PASSWORD, bad), bad).toBe(false);
    }
  });

  it("verifyNobody spends a verification and is always false", async () => {
    expect(await verifyNobody(PASSWORD)).toBe(false);
  });
});

describe("passwordProblem", () => {
  it.each([
    ["eleven char", "a password needs at least 12 characters"],
    ["twelve chars", null],
    ["🔑".repeat(11), "a password needs at least 12 characters"],
    ["🔑".repeat(12), null],
    ["x".repeat(PASSWORD_RULES.maxChars), null],
    ["x".repeat(PASSWORD_RULES.maxChars + 1), "a password may have at most 1024 characters"],
  ])("%s → %s", (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });
});
