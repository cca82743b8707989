/**
 * Small helpers shared by the server, the client and the sysctl manager.
 *
 * @module
 */

export * from "./duration.ts";
export * from "./typed_event_target.ts";
