import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { CANARIES, deadLetterFixture, type Fixture, T0 } from "./test-support/dead-letter-fixture.js";

let fixture: Fixture;

beforeEach(async () => {
  fixture = await deadLetterFixture();
});

afterEach(async () => {
  await fixture.close();
});

async function trace(args: readonly string[]) {
  const io = fixture.io();
  const code = await runCli(["trace", ...args], io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

describe("sluice trace", () => {
  it("tells the story of every event sharing a messageId, per destination, without payload values", async () => {
    const result = await trace(["m-1"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toBe(`event m-1: source web, type track, received 2026-11-28T12:00:00.000Z
  destination cio (delivery 1)
    ingest     passed
    allowlist  passed
    consent    passed
    mapping    passed
    privacy    passed
    limits     passed
    delivery   failed
    attempts   time                      status       latency   state     reason
               2026-11-28T12:00:01.120Z  no response  10000 ms  retrying  network error: UND_ERR_HEADERS_TIMEOUT
               2026-11-28T12:00:08.000Z  207          60 ms     failed    Customer.io rejected it: invalid (email is not valid)
    final      failed at delivery, field identifiers.email: Customer.io rejected it: invalid (email is not valid) (2 attempt(s), last status 207)
  destination cio-eu (delivery 2)
    ingest     passed
    allowlist  stopped
    consent    not reached
    mapping    not reached
    privacy    not reached
    limits     not reached
    delivery   not reached
    final      stopped at allowlist: event name not in allow.events

event m-1: source app, type track, received 2026-11-28T12:00:00.000Z
  destination cio (delivery 4)
    ingest     passed
    allowlist  passed
    consent    passed
    mapping    passed
    privacy    passed
    limits     passed
    delivery   passed
    attempts   time                      status  latency  state      reason
               2026-11-28T12:00:01.120Z  200     95 ms    delivered  -
    final      delivered (1 attempt(s), last status 200)
`);
    for (const canary of CANARIES) expect(result.out).not.toContain(canary);
    expect(result.out).not.toContain("Order Completed");
  });

  it("shows waiting and replayed deliveries as pending", async () => {
    expect(await trace(["m-4"])).toEqual({
      code: 0,
      err: "",
      out: `event m-4: source web, type track, received 2026-11-28T12:00:09.000Z
  destination cio (delivery 5)
    ingest     passed
    allowlist  pending
    consent    pending
    mapping    pending
    privacy    pending
    limits     pending
    delivery   pending
    now        queued, not attempted yet
`,
    });
    await fixture.store.replay({ deliveryIds: [3] }, { nowMs: T0 + 10_000, limit: 10 });
    expect(
      (await trace(["m-2"])).out,
    ).toBe(`event m-2: source web, type identify, received 2026-11-28T12:00:00.000Z
  destination cio (delivery 3)
    ingest     passed
    allowlist  pending
    consent    pending
    mapping    pending
    privacy    pending
    limits     pending
    delivery   pending
    attempts   time                      status  latency  state   reason
               2026-11-28T12:00:01.120Z  400     80 ms    failed  rejected (400): malformed request
    replayed   1 time(s) from the dead letters
    now        queued, not attempted yet
`);
  });

  it("prints one JSON line per event with --json", async () => {
    const result = await trace(["--json", "m-2"]);
    expect(result.code).toBe(0);
    expect(result.out.endsWith("\n")).toBe(true);
    expect(
      result.out
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        messageId: "m-2",
        sourceName: "web",
        eventType: "identify",
        receivedAtMs: T0,
        destinations: [
          {
            deliveryId: 3,
            destination: "cio",
            state: "failed",
            stage: "delivery",
            reason: "rejected (400): malformed request",
            field: null,
            attempts: 1,
            lastStatus: 400,
            replays: 0,
            stages: [
              { stage: "ingest", status: "passed" },
              { stage: "allowlist", status: "passed" },
              { stage: "consent", status: "passed" },
              { stage: "mapping", status: "passed" },
              { stage: "privacy", status: "passed" },
              { stage: "limits", status: "passed" },
              { stage: "delivery", status: "failed" },
            ],
            history: [
              {
                atMs: T0 + 1120,
                status: 400,
                latencyMs: 80,
                state: "failed",
                reason: "rejected (400): malformed request",
              },
            ],
          },
        ],
      },
    ]);
    expect((await trace(["m-1", "--json"])).out.trimEnd().split("\n")).toHaveLength(2);
  });

  it("says so for an unknown messageId (exit 1) and for bad arguments (exit 2)", async () => {
    expect(await trace(["nope"])).toEqual({ code: 1, out: "", err: "no event with messageId nope\n" });
    const none = await trace([]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^trace needs a messageId\n\nusage: sluice trace <messageId> \[--json\]/);
    const two = await trace(["m-1", "m-2"]);
    expect(two.code).toBe(2);
    expect(two.err).toMatch(/^unexpected argument: m-2\n/);
    expect((await trace(["m-1", "--verbose"])).err).toMatch(/^unexpected argument: --verbose\n/);
    const io = { ...fixture.io(), env: { SLUICE_DATA_DIR: "nowhere" } };
    expect(await runCli(["trace", "m-1"], io)).toBe(1);
    expect(io.err.join("")).toMatch(/^sluice: ER_STORE_CLOSED: no Sluice database at .*nowhere\/sluice\.db/);
  });

  it("is listed in the help with dlq", async () => {
    const io = fixture.io();
    expect(await runCli(["--help"], io)).toBe(0);
    // The padding follows the longest command name, which other commands decide.
    expect(io.out.join("")).toMatch(
      /^ {2}dlq +List, inspect and replay dead letters \(deliveries Customer\.io rejected\)\n {2}trace +Follow one event \(by messageId\) through every stage, per destination$/m,
    );
  });
});
