/**
 * The strict Customer.io Track API simulator: public surface.
 *
 * @example
 * import { loadTrackOpenApi, startSimulator } from "./destinations/customerio/simulator/index.js";
 * const sim = await startSimulator({ openApi: loadTrackOpenApi() });
 */
export type { Anomaly, AnomalyKind } from "./anomalies.js";
export type { Fault, FaultStatus } from "./faults.js";
export { DOCUMENTED_MESSAGES, TRACK_LIMITS } from "./limits.js";
export type { SimObject, SimRelationship } from "./object-graph.js";
export {
  findTrackOpenApiSpec,
  type LoadTrackOpenApiOptions,
  loadTrackOpenApi,
  type OpenApiCheck,
  type TrackOpenApiValidator,
} from "./openapi-validator.js";
export type {
  ActivityEntry,
  DeliveryMetric,
  ReceivedEvent,
  RecordEventsMode,
  SimDevice,
  SimPerson,
} from "./records.js";
export type { Region } from "./route-context.js";
export {
  type PersonIdentifier,
  type Simulator,
  type SimulatorOptions,
  type SimulatorState,
  type SimulatorSummary,
  startSimulator,
} from "./simulator.js";
export type { OpenApiViolation, RequestLogEntry, TrafficTotals } from "./traffic-log.js";
