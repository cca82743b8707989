/**
 * Small helpers shared by the server, the client and the sysctl manager:
 * durations with units, an `EventTarget` with typed events, and the one
 * clock and timers shape every component takes.
 *
 * @module
 */

export * from "./duration.ts";
export * from "./typed_event_target.ts";
export * from "./time.ts";
export * from "./utf8.ts";
