import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readDeliveryLog, replayDeadLetters } from "../store/sqlite/sqlite-store.js";
import { dlqCommand, parseTimeArg } from "./dlq.js";
import { runCli } from "./run-cli.js";
import { CANARIES, deadLetterFixture, type Fixture, T0 } from "./test-support/dead-letter-fixture.js";

let fixture: Fixture;

beforeEach(async () => {
  fixture = await deadLetterFixture();
});

afterEach(async () => {
  await fixture.close();
});

async function dlq(args: readonly string[]) {
  const io = fixture.io();
  const code = await runCli(["dlq", ...args], io);
  return { code, out: io.out.join(""), err: io.err.join("") };
}

const dbPath = () => `${fixture.dir.path}/data/sluice.db`;

const LIST_HEADER =
  "id  last attempt              first attempt             destination  source  type      messageId  attempts  status  field              reason";
const LIST_ROW_3 =
  "3   2026-11-28T12:00:01.120Z  2026-11-28T12:00:01.120Z  cio          web     identify  m-2        1         400     -                  rejected (400): malformed request";
const LIST_ROW_1 =
  "1   2026-11-28T12:00:08.000Z  2026-11-28T12:00:01.120Z  cio          web     track     m-1        2         207     identifiers.email  Customer.io rejected it: invalid (email is not valid)";

const ONLY_ROW_1 = `id  last attempt              first attempt             destination  source  type   messageId  attempts  status  field              reason
1   2026-11-28T12:00:08.000Z  2026-11-28T12:00:01.120Z  cio          web     track  m-1        2         207     identifiers.email  Customer.io rejected it: invalid (email is not valid)
`;

describe("sluice dlq list", () => {
  it("prints the dead letters newest first, and nothing else of the log", async () => {
    const result = await dlq(["list"]);
    expect(result).toEqual({ code: 0, out: `${LIST_HEADER}\n${LIST_ROW_3}\n${LIST_ROW_1}\n`, err: "" });
  });

  it("filters by destination, failure time and count", async () => {
    expect((await dlq(["list", "--since", "2026-11-28T12:00:05Z"])).out).toBe(ONLY_ROW_1);
    // Zone-less means UTC.
    const until = await dlq(["list", "--until", "2026-11-28T12:00:05", "--json"]);
    expect(
      until.out
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        deliveryId: 3,
        destination: "cio",
        sourceName: "web",
        messageId: "m-2",
        eventType: "identify",
        eventName: null,
        state: "failed",
        stage: "delivery",
        reason: "rejected (400): malformed request",
        field: null,
        attempts: 1,
        lastStatus: 400,
        receivedAtMs: T0,
        firstAttemptAtMs: T0 + 1120,
        updatedAtMs: T0 + 1120,
        replays: 0,
      },
    ]);
    expect((await dlq(["list", "--limit", "1"])).out.split("\n")).toEqual([
      "id  last attempt              first attempt             destination  source  type      messageId  attempts  status  field  reason",
      "3   2026-11-28T12:00:01.120Z  2026-11-28T12:00:01.120Z  cio          web     identify  m-2        1         400     -      rejected (400): malformed request",
      "",
    ]);
    expect(await dlq(["list", "--destination", "cio-eu"])).toEqual({
      code: 0,
      out: "no dead letters match\n",
      err: "",
    });
    // A duration counts back from now: ten years ago is before these 2026 failures.
    expect((await dlq(["list", "--since", "3650d"])).out).toBe(
      `${LIST_HEADER}\n${LIST_ROW_3}\n${LIST_ROW_1}\n`,
    );
    expect((await dlq(["list", "--until", "3650d"])).out).toBe("no dead letters match\n");
  });

  it("refuses bad arguments with exit 2 and a missing database with exit 1", async () => {
    expect(await dlq(["list", "--limit", "0"])).toEqual({
      code: 2,
      out: "",
      err: "--limit must be an integer from 1 to 1000\n",
    });
    expect(await dlq(["list", "--since", "yesterday"])).toEqual({
      code: 2,
      out: "",
      err: "--since must be an ISO date or date-time, or a duration such as 30m, 2h or 7d\n",
    });
    const unknown = await dlq(["list", "--state", "failed"]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^unknown or incomplete argument: --state\n\nusage: sluice dlq list/);
    const missing = await dlq([]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^missing subcommand\n\nusage: /);
    expect((await dlq(["purge"])).err).toMatch(/^unknown subcommand "purge"\n/);

    const io = { ...fixture.io(), env: { SLUICE_DATA_DIR: "nowhere" } };
    expect(await dlqCommand.run(["list"], io)).toBe(1);
    expect(io.err.join("")).toMatch(/^sluice: ER_STORE_CLOSED: no Sluice database at .*nowhere\/sluice\.db/);
  });
});

const SHOW_HEAD = `dead letter 1
  destination    cio
  source         web
  type           track
  messageId      m-1
  failed at      delivery, field identifiers.email
  reason         Customer.io rejected it: invalid (email is not valid)
  attempts       2, last status 207
  received       2026-11-28T12:00:00.000Z
  first attempt  2026-11-28T12:00:01.120Z
  last attempt   2026-11-28T12:00:08.000Z
  replays        0

attempts
  time                      status       latency   state     reason
  2026-11-28T12:00:01.120Z  no response  10000 ms  retrying  network error: UND_ERR_HEADERS_TIMEOUT
  2026-11-28T12:00:08.000Z  207          60 ms     failed    Customer.io rejected it: invalid (email is not valid)
`;

describe("sluice dlq show", () => {
  it("shows the row, the attempts and the payload with every value masked", async () => {
    const result = await dlq(["show", "1"]);
    expect(result).toEqual({
      code: 0,
      err: "",
      out: `${SHOW_HEAD}
payload (values masked; --reveal shows them)
{
  "type": "track",
  "event": "Order Completed",
  "messageId": "m-1",
  "userId": "<text, 8 chars>",
  "properties": {
    "diagnosis": "<text, 10 chars>",
    "total": "<number, 4 chars>",
    "vip": "<boolean>",
    "tags": [
      "<text, 1 char>",
      "<text, 4 chars>"
    ],
    "note": null
  }
}
`,
    });
    for (const canary of CANARIES) expect(result.out).not.toContain(canary);
  });

  it("shows the values with --reveal, warning on stderr that it will be audited", async () => {
    const result = await dlq(["show", "--reveal", "1"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      "warning: --reveal prints the payload's values, which may be personal or health data; viewing payload values will be audited\n",
    );
    expect(result.out).toBe(`${SHOW_HEAD}
payload
${JSON.stringify(
  {
    type: "track",
    event: "Order Completed",
    messageId: "m-1",
    userId: "u-CANARY",
    properties: { diagnosis: "CANARY-PHI", total: 42.5, vip: true, tags: ["a", "βeta"], note: null },
  },
  null,
  2,
)}
`);
  });

  it("refuses what is not a dead letter", async () => {
    expect(await dlq(["show", "4"])).toEqual({
      code: 1,
      out: "",
      err: "delivery 4 is not a dead letter (it is delivered); `sluice trace m-1` tells its story\n",
    });
    expect(await dlq(["show", "99"])).toEqual({ code: 1, out: "", err: "no delivery with id 99\n" });
    const bad = await dlq(["show", "abc"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^unexpected argument: abc\n/);
    expect((await dlq(["show"])).err).toMatch(/^dlq show needs a delivery id \(see `sluice dlq list`\)\n/);
  });
});

describe("sluice dlq replay", () => {
  it("refuses to run without a filter or --all (exit 2)", async () => {
    expect(await dlq(["replay"])).toEqual({
      code: 2,
      out: "",
      err: "dlq replay needs a filter (--id, --destination, --message-id, --since, --until) or --all to replay every dead letter\n",
    });
    expect((await dlq(["replay", "--id"])).err).toBe("--id needs at least one delivery id\n");
    expect((await dlq(["replay", "--id", "x"])).err).toBe("--id takes delivery ids (positive integers)\n");
    expect((await dlq(["replay", "--all", "--limit", "-1"])).code).toBe(2);
    expect(await store().listDeliveries({ state: "failed" })).toHaveLength(2);
  });

  it("counts on --dry-run without changing anything", async () => {
    expect(await dlq(["replay", "--all", "--dry-run"])).toEqual({
      code: 0,
      out: "2 dead letter(s) would be replayed (dry run: nothing changed)\n",
      err: "",
    });
    expect(await dlq(["replay", "--destination", "cio", "--message-id", "m-1", "--dry-run"])).toMatchObject({
      out: "1 dead letter(s) would be replayed (dry run: nothing changed)\n",
    });
    expect(await dlq(["replay", "--destination", "cio-eu"])).toEqual({
      code: 0,
      out: "no dead letters match\n",
      err: "",
    });
    expect(await store().listDeliveries({ state: "failed" })).toHaveLength(2);
  });

  it("puts the matching dead letters back in the queue with their messageId", async () => {
    const result = await dlq(["replay", "--id", "3", "7"]);
    expect(result.out).toBe(
      "replayed 1 dead letter(s): they keep their messageId, so Customer.io drops any event it already received; a running Sluice sends them within a second\n",
    );
    expect(result.err).toMatch(/^replayed 1\/1 \(\d+\/s\)\n$/);
    expect((await dlq(["list"])).out).toBe(ONLY_ROW_1);
    const [row] = await store().listDeliveries({ messageId: "m-2" });
    expect(row).toMatchObject({ state: "queued", attempts: 0, replays: 1, stage: null, reason: null });
    const claimed = await store().claim("cio", { limit: 10, nowMs: Date.now(), leaseMs: 60_000 });
    expect(claimed.map(({ deliveryId, messageId }) => ({ deliveryId, messageId }))).toEqual([
      { deliveryId: 3, messageId: "m-2" },
      { deliveryId: 5, messageId: "m-4" },
    ]);
    // The history is kept across the replay.
    expect(await store().deliveryAttempts(3)).toHaveLength(1);
  });

  it("replays the oldest first up to --limit, filtered by failure time", async () => {
    expect((await dlq(["replay", "--until", "2026-11-28T12:00:05Z", "--since", "2026-11-28"])).out).toMatch(
      /^replayed 1 dead letter/,
    );
    expect((await store().listDeliveries({ state: "failed" })).map((d) => d.deliveryId)).toEqual([1]);
    await fixture.store.enqueue([
      {
        sourceName: "web",
        messageId: "m-5",
        eventType: "track",
        receivedAtMs: T0,
        body: "{}",
        destinations: ["cio"],
      },
    ]);
    await failAll(T0 + 9000);
    expect((await store().listDeliveries({ state: "failed" })).map((d) => d.deliveryId)).toEqual([
      6, 5, 3, 1,
    ]);
    expect((await dlq(["replay", "--all", "--limit", "2"])).out).toMatch(/^replayed 2 dead letter/);
    expect((await store().listDeliveries({ state: "failed" })).map((d) => d.deliveryId)).toEqual([6, 5]);
  });

  it("replays thousands in chunks of 1000, with one progress line at the end of a short run", async () => {
    await fixture.store.enqueue(
      Array.from({ length: 2500 }, (_, n) => ({
        sourceName: "bulk",
        messageId: `bulk-${n}`,
        eventType: "track",
        receivedAtMs: T0,
        body: "{}",
        destinations: ["bulk"],
      })),
    );
    await failAll(T0 + 9000, "bulk");
    const chunks: [number, number][] = [];
    const dry = await replayDeadLetters(
      dbPath(),
      { destination: "bulk" },
      { nowMs: T0 + 9500, dryRun: true },
    );
    expect(dry).toEqual({ matched: 2500, replayed: 0 });
    const partial = await replayDeadLetters(
      dbPath(),
      { destination: "bulk" },
      { nowMs: T0 + 9500, limit: 2100, onChunk: (done, total) => chunks.push([done, total]) },
    );
    expect(partial).toEqual({ matched: 2100, replayed: 2100 });
    expect(chunks).toEqual([
      [1000, 2100],
      [2000, 2100],
      [2100, 2100],
    ]);
    await failAll(T0 + 9600, "bulk");
    const result = await dlq(["replay", "--destination", "bulk"]);
    expect(result.out).toMatch(/^replayed 2500 dead letter\(s\)/);
    // A slow machine may print a line for chunk 1000 or 2000 (at most every 500 ms); the last one always.
    expect(result.err).toMatch(
      /^(replayed [12]000\/2500 \(\d+\/s, ETA \d+s\)\n)*replayed 2500\/2500 \(\d+\/s\)\n$/,
    );
    expect(readDeliveryLog(dbPath(), { destination: "bulk", state: "failed" })).toEqual([]);
  });

  it("leaves a running store's leases alone", async () => {
    const [leased] = await store().claim("cio", { limit: 1, nowMs: Date.now(), leaseMs: 60_000 });
    expect(leased?.messageId).toBe("m-4");
    expect((await dlq(["replay", "--all"])).code).toBe(0);
    // m-4 is still leased: the next claim gets the replayed dead letters only.
    const next = await store().claim("cio", { limit: 10, nowMs: Date.now(), leaseMs: 60_000 });
    expect(next.map((d) => d.deliveryId)).toEqual([1, 3]);
  });
});

describe("parseTimeArg", () => {
  const now = Date.parse("2026-11-28T12:00:00Z");
  const cases: [string, string | null][] = [
    ["45s", "2026-11-28T11:59:15.000Z"],
    ["30m", "2026-11-28T11:30:00.000Z"],
    ["2h", "2026-11-28T10:00:00.000Z"],
    ["7d", "2026-11-21T12:00:00.000Z"],
    ["0m", "2026-11-28T12:00:00.000Z"],
    ["2026-11-01", "2026-11-01T00:00:00.000Z"],
    ["2026-11-01T08:30", "2026-11-01T08:30:00.000Z"],
    ["2026-11-01T08:30:15.250", "2026-11-01T08:30:15.250Z"],
    ["2026-11-01T08:30:00+02:00", "2026-11-01T06:30:00.000Z"],
    ["2026-11-01T08:30:00Z", "2026-11-01T08:30:00.000Z"],
    ["2h30m", null],
    ["1w", null],
    ["-2h", null],
    ["yesterday", null],
    ["2026-13-01", null],
    ["99999d", null],
    ["", null],
  ];
  it.each(cases)("%s", (text, expected) => {
    const ms = parseTimeArg(text, now);
    expect(ms === null ? null : new Date(ms).toISOString()).toBe(expected);
  });
});

function store() {
  return fixture.store;
}

/** Claim every waiting delivery of `destination` and fail it (a 400), settled at `nowMs`. */
async function failAll(nowMs: number, destination = "cio"): Promise<void> {
  for (;;) {
    const batch = await fixture.store.claim(destination, { limit: 1000, nowMs, leaseMs: 60_000 });
    if (batch.length === 0) return;
    await fixture.store.settle(
      batch.map((d) => ({
        deliveryId: d.deliveryId,
        leaseToken: d.leaseToken,
        state: "failed" as const,
        stage: "delivery" as const,
        reason: "rejected (400): malformed request",
        attempts: d.attempts + 1,
        status: 400,
        attempt: { latencyMs: 5 },
      })),
      nowMs,
    );
  }
}
