/**
 * Every stable error code Sluice returns or logs, with what it means. `docs/errors.md` documents each
 * one and a test keeps the two in step. Messages never contain a payload value or a secret.
 */
export const ERROR_CODES = {
  ER_INVALID_JSON: "The request body is not valid JSON (or not a JSON object).",
  ER_INVALID_ENCODING: "The request body could not be decompressed (Content-Encoding).",
  ER_UNSUPPORTED_MEDIA_TYPE: "The request body is not JSON.",
  ER_UNKNOWN_TYPE: "The event `type` is missing or not one of identify, track, page, screen, group, alias.",
  ER_MISSING_IDENTITY: "The event has neither `userId` nor `anonymousId`.",
  ER_INVALID_TIMESTAMP: "A timestamp field is not an ISO-8601 date.",
  ER_INVALID_FIELD: "A field has the wrong type or is missing (e.g. `event` on track, `groupId` on group).",
  ER_INVALID_BATCH: "A /v1/batch body has no `batch` array, or some events in it are invalid (see `errors`).",
  ER_UNAUTHORIZED: "No write key was given, or it matches no configured source.",
  ER_EVENT_TOO_LARGE: "One event is over 32 KB of JSON.",
  ER_REQUEST_TOO_LARGE: "The request body is over 500 KB.",
  ER_NOT_FOUND: "No such route.",
  ER_UNAVAILABLE: "Sluice cannot durably store events right now (shutting down, disk full or read-only).",
  ER_INTERNAL: "An unexpected error; the log has details (without payload values).",
  ER_CONFIG_INVALID: "The configuration file failed validation; each error names its path in the file.",
  ER_CONFIG_UNREADABLE: "The configuration file could not be read or parsed as YAML/JSON.",
  ER_CONFIG_ENV_MISSING: "A `${VAR}` in the configuration names an environment variable that is not set.",
  ER_CONFIG_FROM_FILE:
    "Admin API: Sluice runs from a configuration file, so a draft cannot be published here; export it into the file.",
  ER_CONFIG_NO_DRAFT: "Admin API: there is no draft to publish; edit the configuration first.",
  ER_CONFIG_CONFLICT:
    "Admin API: another configuration version was published after this draft was started (or meanwhile).",
  ER_CONFIG_NAME_TAKEN: "Admin API: a source or destination with this name exists already in the draft.",
  ER_CONFIG_UNAVAILABLE: "Admin API: this Sluice offers no configuration management (or no network tools).",
  ER_CONFIRM_REQUIRED: "Admin API: sending to the real Customer.io workspace needs `confirm: true`.",
  ER_ADMIN_UNAUTHORIZED: "Admin API: no bearer token, or one that matches neither configured token.",
  ER_ADMIN_FORBIDDEN:
    "Admin API: the token's role may not do this (a viewer revealing payloads or replaying).",
  ER_ADMIN_INVALID_REQUEST:
    "Admin API: a query parameter, path parameter or body field is invalid (see `path`).",
  ER_ADMIN_NOT_FOUND: "Admin API: no such delivery, dead letter, event or destination.",
  ER_ADMIN_FILTER_REQUIRED: "Admin API: a dead-letter replay named no filter and did not say `all: true`.",
  ER_ADMIN_LOGIN_FAILED: "Admin API: sign-in with a wrong user name or password (the same answer for both).",
  ER_ADMIN_LOGIN_RATE_LIMITED:
    "Admin API: too many failed sign-ins for this name or from this address; retry after `Retry-After` seconds.",
  ER_ADMIN_CSRF:
    "Admin API: a change made with a session cookie lacked the right `x-csrf-token`, or came from another origin.",
  ER_ADMIN_SETUP_DONE: "Admin API: the first account exists already; sign in, or add users as an admin.",
  ER_ADMIN_USER_EXISTS: "Admin API: a user account with this name exists already.",
  ER_ADMIN_LAST_ADMIN: "Admin API: this would leave no admin account (deleting or demoting the last admin).",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The body of every 4xx/5xx answer: `{"error":{"code","message","path"}}`. */
export interface ApiError {
  code: ErrorCode;
  message: string;
  /** Where in the request the problem is (`timestamp`, `batch[3].userId`), when it is about one field. */
  path?: string;
  /** Every problem of a configuration that failed validation (`ER_CONFIG_INVALID`), by path. */
  issues?: readonly { path: string; message: string; line?: number; column?: number }[];
}
