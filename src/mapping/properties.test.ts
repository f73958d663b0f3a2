import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DATE_OPERATORS,
  MAPPING_ISSUE_CODES,
  NUMBER_OPERATORS,
  SET_OPERATORS,
  TEXT_OPERATORS,
  TRANSFORM_NAMES,
} from "../contracts/mapping.js";
import { canYieldValue } from "./can-yield-value.js";
import { compileCondition } from "./compile-condition.js";
import { compileExpression } from "./compile-expression.js";
import { normalizeE164 } from "./e164.js";
import { evaluateCondition } from "./evaluate-condition.js";
import { evaluateExpression } from "./evaluate-expression.js";
import { truncateIp } from "./ip-truncate.js";
import { readPaths } from "./read-paths.js";
import { truncateUtf8 } from "./truncate-utf8.js";
import { parseIsoDateMs } from "./unix-time.js";
import { urlStripQuery } from "./url-parts.js";

/** Every string value in generated events carries this marker; traces must never contain it. */
const MARK = "zqx";
const RUNS = { numRuns: 300 };

// ---------------------------------------------------------------- the grammar, as generators

const KEYS = ["a", "b", "type", "event", "traits", "email", "0", "first name"] as const;
// Weighted towards keys the events use, so that most paths find a value.
const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(".a", ".traits", ".email") },
  fc.constantFrom(...KEYS).map((k) => (/^[a-z]+$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`)),
  fc.integer({ min: -2, max: 2 }).map((i) => `[${i}]`),
);
const pathText = (inEach: boolean) =>
  fc
    .tuple(
      inEach ? fc.constantFrom("$", "@") : fc.constant("$"),
      fc.array(segment, { minLength: 1, maxLength: 3 }),
    )
    .map(([root, segments]) => root + segments.join(""));

const OPTION_TRANSFORMS = ["truncate", "pick", "omit"];
const transform = fc.oneof(
  fc.constantFrom(...TRANSFORM_NAMES.filter((name) => !OPTION_TRANSFORMS.includes(name))),
  fc.integer({ min: 1, max: 40 }).map((bytes) => ({ truncate: { bytes } })),
  fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).map((keys) => ({ pick: keys })),
  fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }).map((keys) => ({ omit: keys })),
  fc.constantFrom("1", "44", "+33", 49).map((code) => ({ hash_phone: { default_country_code: code } })),
  fc.constantFrom("1", "44").map((code) => ({ e164: { default_country_code: code } })),
);
const withTransforms = (arb: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(arb, fc.option(fc.array(transform, { maxLength: 3 }), { nil: undefined }))
    .map(([expression, transforms]) =>
      transforms === undefined ? expression : { ...expression, transforms },
    );

const configText = fc.constantFrom("web", "Order Completed", "pro", "x y", "0", "true");
const scalar = fc.oneof(configText, fc.integer({ min: -5, max: 200 }), fc.boolean());
const jsonLiteral = fc.jsonValue({ maxDepth: 2 }).filter((v) => v !== "");
const template = (inEach: boolean) =>
  fc
    .tuple(
      fc.constantFrom("", "Hi ", "id: "),
      fc.array(
        fc.tuple(
          pathText(inEach).map((p) => (p.startsWith("$.") && p.length > 2 ? p.slice(2) : p)),
          fc.constantFrom("", " ", "-"),
        ),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([head, parts]) => head + parts.map(([p, sep]) => `{{${p}}}${sep}`).join(""));

const leafExpression = (inEach: boolean) =>
  fc.oneof(
    { weight: 4, arbitrary: pathText(inEach) },
    configText,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    { weight: 2, arbitrary: template(inEach) },
    { weight: 2, arbitrary: withTransforms(pathText(inEach).map((path) => ({ path }))) },
    withTransforms(template(inEach).map((t) => ({ template: t }))),
    withTransforms(jsonLiteral.map((literal) => ({ literal }))),
  );

const condition = (inEach: boolean, depth: number): fc.Arbitrary<unknown> => {
  const path = pathText(inEach);
  const dateOperand = fc.oneof(
    fc.constantFrom("2026-01-01", "2023-11-14T22:13:20Z", "2020-02-29T10:00:00+05:30"),
    fc.integer({ min: 0, max: 2_000_000_000 }),
  );
  const leaf = fc.oneof(
    fc
      .record(
        { path, op: fc.constantFrom(...TEXT_OPERATORS), ignore_case: fc.boolean() },
        { requiredKeys: ["path", "op"] },
      )
      .chain(({ path: p, op, ignore_case }) =>
        (op === "equals" || op === "not_equals"
          ? scalar
          : op === "matches"
            ? fc.constantFrom("^a", "b+", "(?i)x|y")
            : configText
        ).map((operand) => ({
          path: p,
          [op]: operand,
          ...(ignore_case === undefined ? {} : { ignore_case }),
        })),
      ),
    fc
      .tuple(path, fc.constantFrom(...NUMBER_OPERATORS), fc.integer({ min: -10, max: 200 }))
      .map(([p, op, n]) => ({ path: p, [op]: n })),
    fc
      .tuple(path, fc.constantFrom(...SET_OPERATORS), fc.array(scalar, { minLength: 1, maxLength: 3 }))
      .map(([p, op, list]) => ({ path: p, [op]: list })),
    fc.tuple(path, fc.constantFrom(...DATE_OPERATORS), dateOperand, dateOperand).map(([p, op, x, y]) => {
      if (op !== "between") return { path: p, [op]: x };
      return { path: p, between: [x, y].sort((l, r) => toMs(l) - toMs(r)) };
    }),
    fc.tuple(path, fc.boolean()).map(([p, b]) => ({ path: p, exists: b })),
    fc
      .tuple(path, fc.constantFrom("is_null", "is_true", "is_false"))
      .map(([p, op]) => ({ path: p, [op]: true })),
  );
  if (depth <= 1) return leaf;
  const child = condition(inEach, depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    fc.array(child, { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(child, { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    child.map((not) => ({ not })),
  );
};

function toMs(operand: string | number): number {
  return typeof operand === "number" ? operand * 1000 : (parseIsoDateMs(operand) as number);
}

const expressionIn: fc.Memo<unknown> = fc.memo((n) => expressionNode(true, n));
const expressionOut: fc.Memo<unknown> = fc.memo((n) => expressionNode(false, n));

function expressionNode(inEach: boolean, n: number): fc.Arbitrary<unknown> {
  const leaf = leafExpression(inEach);
  if (n <= 1) return leaf;
  const child = (inEach ? expressionIn : expressionOut)(n - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    withTransforms(fc.array(child, { maxLength: 3 }).map((coalesce) => ({ coalesce }))),
    withTransforms(
      fc
        .tuple(condition(inEach, 2), child, fc.option(child, { nil: undefined }))
        // biome-ignore lint/suspicious/noThenProperty: `then` is the mapping language's if/then/else syntax.
        .map(([c, yes, no]) => ({ if: c, then: yes, ...(no === undefined ? {} : { else: no }) })),
    ),
    withTransforms(
      fc.dictionary(fc.constantFrom(...KEYS), child, { maxKeys: 3 }).map((object) => ({ object })),
    ),
    withTransforms(fc.array(child, { maxLength: 3 }).map((array) => ({ array }))),
    withTransforms(fc.record({ each: pathText(inEach), map: expressionIn(n - 1) })),
  );
}

// ---------------------------------------------------------------- events

const markedText = fc.oneof(
  fc.string({ maxLength: 6 }).map((s) => `${s}${MARK}`),
  fc.constantFrom(
    `https://${MARK}.example.com/p?utm_source=${MARK}&e=${MARK}#${MARK}`,
    `/${MARK}?utm_medium=${MARK}`,
    `{"${MARK}":"${MARK}"}`,
    `  ${MARK.toUpperCase()}@Example.com `,
    `+44 20 7946 0958 ${MARK}`,
    `2023-11-14T22:13:20Z${MARK}`,
    `1700000000${MARK}`,
  ),
);
/** Values that are not marked but exercise the transforms (dates, phones, IPs, numbers). */
const plainValue = fc.oneof(
  fc.constantFrom(
    "2023-11-14T22:13:20Z",
    "2026-01-01",
    "+1 415 555 2671",
    "203.0.113.77",
    "2001:db8::1",
    "42.5",
    "",
    "  ",
  ),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const eventValue: fc.Memo<unknown> = fc.memo((n) =>
  n <= 1
    ? fc.oneof(markedText, plainValue)
    : fc.oneof(
        { weight: 2, arbitrary: fc.oneof(markedText, plainValue) },
        fc.array(eventValue(n - 1), { maxLength: 4 }),
        fc.dictionary(fc.constantFrom(...KEYS), eventValue(n - 1), { maxKeys: 5 }),
      ),
);
/** Events where the favoured keys are (almost) always there, plus arbitrary JSON and non-JSON values. */
const shapedEvent = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...KEYS), eventValue(4), { maxKeys: 8 }),
    fc.record({ a: eventValue(3), traits: eventValue(3), email: markedText }),
  )
  .map(([rest, favoured]) => ({ ...rest, ...favoured }));
const event = fc.oneof({ weight: 6, arbitrary: shapedEvent }, fc.jsonValue(), fc.anything());

// ---------------------------------------------------------------- properties

describe("properties", () => {
  it("every generated mapping compiles, evaluates without throwing, and keeps event values out of traces", () => {
    let carried = 0;
    fc.assert(
      fc.property(
        expressionOut(5),
        event,
        fc.option(fc.constantFrom("s1", ""), { nil: undefined }),
        (raw, input, salt) => {
          const compiled = compileExpression(raw, ["fields", "f"]);
          if (!compiled.ok) throw new Error(`generated mapping rejected: ${JSON.stringify(compiled.issues)}`);
          const result = evaluateExpression(compiled.value, input, salt === undefined ? {} : { salt });
          expect(result.trace.missing).not.toBe("the mapping could not be evaluated (internal error)");
          expect(JSON.stringify(result.trace).toLowerCase()).not.toContain(MARK);
          if (result.present) {
            if (JSON.stringify(result.value)?.toLowerCase().includes(MARK)) carried += 1;
            expect(result.value).not.toBe("");
            expect(result.value).not.toBeUndefined();
            if (typeof result.value === "number") expect(Number.isFinite(result.value)).toBe(true);
          }
          // canYieldValue never says "no" to something that just produced a non-null value.
          if (result.present && result.value !== null) expect(canYieldValue(compiled.value)).toBe(true);
          // Every path the trace read is one readPaths announces.
          expect(readPaths(compiled.value)).toEqual(expect.arrayContaining(result.trace.paths));
        },
      ),
      { numRuns: 500 },
    );
    // Not vacuous: event values did reach results (so they were there to leak into traces). About 1 run
    // in 20 carries one through; 5 or fewer in 500 happens by chance with probability ~1e-7.
    expect(carried).toBeGreaterThan(5);
  });

  it("every generated condition compiles and evaluates without throwing or revealing values", () => {
    fc.assert(
      fc.property(condition(false, 3), event, (raw, input) => {
        const compiled = compileCondition(raw, ["trigger"]);
        if (!compiled.ok) throw new Error(`generated condition rejected: ${JSON.stringify(compiled.issues)}`);
        const result = evaluateCondition(compiled.value, input);
        expect(typeof result.matched).toBe("boolean");
        expect(result.explanation).not.toContain("internal error");
        expect(result.explanation.toLowerCase()).not.toContain(MARK);
      }),
      RUNS,
    );
  });

  it("compile never throws on arbitrary input, and issues are well-formed", () => {
    const codes = Object.keys(MAPPING_ISSUE_CODES);
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue(), fc.anything({ withMap: true, withSet: true, withBigInt: true })),
        (raw) => {
          for (const compiled of [compileExpression(raw, ["at"]), compileCondition(raw, ["at"])]) {
            if (compiled.ok) continue;
            expect(compiled.issues.length).toBeGreaterThan(0);
            for (const issue of compiled.issues) {
              expect(codes).toContain(issue.code);
              expect(issue.path[0]).toBe("at");
              expect(issue.message.length).toBeGreaterThan(10);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("truncate never splits a character and never exceeds its byte limit", () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 40 }),
          fc.string({ unit: "grapheme", maxLength: 20 }),
          fc.string({ unit: "binary-ascii" }),
        ),
        fc.integer({ min: 1, max: 60 }),
        (text, bytes) => {
          const cut = truncateUtf8(text, bytes);
          expect(text.startsWith(cut)).toBe(true);
          expect(encoder.encode(cut).length).toBeLessThanOrEqual(bytes);
          if (cut.length < text.length) {
            const last = cut.charCodeAt(cut.length - 1);
            const next = text.charCodeAt(cut.length);
            // Never between the halves of a surrogate pair.
            expect(last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff).toBe(false);
            // The longest such prefix: the next code point would not fit.
            const nextPoint = String.fromCodePoint(text.codePointAt(cut.length) as number);
            expect(encoder.encode(cut + nextPoint).length).toBeGreaterThan(bytes);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("the truncate transform keeps the result within limits on surrogate-heavy text", () => {
    const compiled = compileExpression({ path: "$.t", transforms: [{ truncate: { bytes: 7 } }] }, []);
    if (!compiled.ok) throw new Error("bad mapping");
    fc.assert(
      fc.property(fc.string({ unit: "binary", minLength: 1 }), (text) => {
        const result = evaluateExpression(compiled.value, { t: text }, {});
        if (result.present)
          expect(new TextEncoder().encode(result.value as string).length).toBeLessThanOrEqual(7);
      }),
      RUNS,
    );
  });

  it("ISO parsing agrees with Date for every date-time Date can print", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("0001-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        (date) => {
          expect(parseIsoDateMs(date.toISOString())).toBe(date.getTime());
        },
      ),
      RUNS,
    );
  });

  it("normalisers are idempotent", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\+?[0-9 ()-]{7,18}$/), (phone) => {
        const once = normalizeE164(phone);
        if (once !== null) expect(normalizeE164(once)).toBe(once);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const once = truncateIp(ip);
        expect(once).not.toBeNull();
        expect(truncateIp(once as string)).toBe(once);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        const once = urlStripQuery(url);
        if (once !== null) expect(urlStripQuery(once)).toBe(once);
      }),
      RUNS,
    );
  });
});
