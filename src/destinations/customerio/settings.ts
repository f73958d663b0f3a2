import type { CustomerioDestinationConfig } from "../../contracts/config.js";

/** The validated `settings:` block of a Customer.io destination. */
export type CustomerioSettings = CustomerioDestinationConfig["settings"];
