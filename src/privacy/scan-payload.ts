import { builtinDetectors } from "./builtin-detectors.js";
import type { Detector, DetectorContext } from "./detector.js";
import { formatSegment, type PathSegment } from "./payload-path.js";

/** PHI/PII found in one field: which detector and where — never the value or the matched text. */
export interface Detection {
  readonly detector: string;
  /** The field's path (`attributes.notes`, `attributes.items[2].name`; see payload-path.ts). */
  readonly path: string;
}

export interface ScanOptions {
  /** The detectors to run. Default: `builtinDetectors({ terms })`. */
  readonly detectors?: readonly Detector[];
  /** Extra health terms for the default detectors (ignored when `detectors` is given). */
  readonly terms?: readonly string[];
}

/** A place in the payload; its path is formatted only when needed (detections, plug-ins reading it). */
interface Node {
  readonly parent: Node | null;
  readonly segment: PathSegment | null;
  /** The field name detectors see: the last object key on the path. */
  readonly fieldName: string | null;
  /** Detectors that found something in this entry's key (reported with the entry). */
  readonly keyHits?: ReadonlySet<string>;
  path?: string;
}

function pathOf(node: Node): string {
  if (node.path !== undefined) return node.path;
  const chain: Node[] = [];
  let cursor: Node | null = node;
  while (cursor !== null && cursor.path === undefined) {
    chain.push(cursor);
    cursor = cursor.parent;
  }
  let text = cursor?.path ?? "";
  for (let i = chain.length - 1; i >= 0; i--) {
    const step = chain[i]!;
    if (step.segment !== null) text += formatSegment(step.segment, text === "");
    step.path = text;
  }
  return text;
}

/** A detector's view of a place; the path is formatted only if a detector reads it (a class: cheap to create). */
class NodeContext implements DetectorContext {
  constructor(
    private readonly node: Node,
    readonly key: string | null,
    readonly part: "value" | "key",
  ) {}

  get path(): string {
    return pathOf(this.node);
  }
}

function context(node: Node, key: string | null, part: "value" | "key"): DetectorContext {
  return new NodeContext(node, key, part);
}

const DIGIT = /[0-9]/;

function detects(detector: Detector, text: string, ctx: DetectorContext, hasDigit: boolean): boolean {
  if (detector.needsDigit === true && !hasDigit) return false;
  try {
    const hits: unknown = detector.scan(text, ctx);
    return !Array.isArray(hits) || hits.length > 0;
  } catch {
    return true;
  }
}

function textOf(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return null;
}

type Step = { kind: "enter"; value: unknown; node: Node } | { kind: "exit"; value: object };

/**
 * Run the detectors over every string and number (as its decimal text) of an outgoing payload, and
 * over its object keys, walking nested objects and arrays. Returns one detection per detector and
 * field, in document order; never the values. Never throws: a detector that throws counts as a hit
 * (fail closed); cycles are skipped. Iterative, so deep nesting cannot overflow the stack.
 *
 * A key in which something is found is written `{n}` in every path through it, so the paths never
 * show it; its detections are reported at that entry's path.
 *
 * @example
 * scanPayload({ attributes: { notes: "SSN 123-45-6789", items: [{ name: "Ozempic pen" }] } })
 * // [{ detector: "ssn", path: "attributes.notes" },
 * //  { detector: "health_term", path: "attributes.items[0].name" }]
 */
export function scanPayload(value: unknown, options: ScanOptions = {}): Detection[] {
  const detectors = options.detectors ?? builtinDetectors(options.terms ? { terms: options.terms } : {});
  const detections: Detection[] = [];
  const report = (node: Node, ids: Iterable<string>) => {
    for (const detector of ids) detections.push({ detector, path: pathOf(node) });
  };
  const onPath = new Set<object>();
  const stack: Step[] = [{ kind: "enter", value, node: { parent: null, segment: null, fieldName: null } }];
  while (stack.length > 0) {
    const step = stack.pop()!;
    if (step.kind === "exit") {
      onPath.delete(step.value);
      continue;
    }
    const { value: current, node } = step;
    try {
      const text = textOf(current);
      if (text !== null) {
        const ctx = context(node, node.fieldName, "value");
        const ids = new Set<string>();
        const hasDigit = DIGIT.test(text);
        for (const detector of detectors) if (detects(detector, text, ctx, hasDigit)) ids.add(detector.id);
        report(node, node.keyHits ? new Set([...node.keyHits, ...ids]) : ids);
        continue;
      }
      if (node.keyHits) report(node, node.keyHits);
      if (current === null || typeof current !== "object" || onPath.has(current)) continue;
      const children: Step[] = [];
      if (Array.isArray(current)) {
        for (let index = 0; index < current.length; index++) {
          const child: Node = { parent: node, segment: index, fieldName: node.fieldName };
          children.push({ kind: "enter", value: current[index], node: child });
        }
      } else {
        const keys = Object.keys(current);
        const keyCtx = context(node, node.fieldName, "key");
        for (let index = 0; index < keys.length; index++) {
          const key = keys[index]!;
          const keyHits = new Set<string>();
          const keyHasDigit = DIGIT.test(key);
          for (const detector of detectors) {
            if (detects(detector, key, keyCtx, keyHasDigit)) keyHits.add(detector.id);
          }
          const child: Node =
            keyHits.size > 0
              ? { parent: node, segment: { keyAt: index }, fieldName: key, keyHits }
              : { parent: node, segment: key, fieldName: key };
          let childValue: unknown;
          try {
            childValue = (current as Record<string, unknown>)[key];
          } catch {
            // A getter that throws: nothing can be read there, so nothing is reported for it.
            continue;
          }
          children.push({ kind: "enter", value: childValue, node: child });
        }
      }
      onPath.add(current);
      stack.push({ kind: "exit", value: current });
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    } catch {
      // A proxy that throws: nothing can be read there, so nothing is reported for it.
    }
  }
  return detections;
}
