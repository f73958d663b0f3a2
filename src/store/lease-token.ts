import { randomBytes } from "node:crypto";

/**
 * A new fencing token for one claim: 96 random bits as base64url (16 characters). Every delivery a
 * claim leases stores it, the claimer hands it back with each outcome, and `settle` applies an
 * outcome only while the delivery still holds that token: once the lease ran out and another claim
 * took the delivery, the first claimer's late outcomes change nothing. Random rather than a counter,
 * so SQLite and PostgreSQL need no shared sequence; only equality matters.
 *
 * @example
 * newLeaseToken(); // "q3Zs0kX1b8UeYJ2a"
 */
export function newLeaseToken(): string {
  return randomBytes(12).toString("base64url");
}
