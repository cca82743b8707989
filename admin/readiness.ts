/**
 * Readiness as a list of named conditions: a node is ready when every
 * condition holds. The server's own is that it is serving (not draining);
 * a cluster adds its own (fenced, Redis reachable) with {@link Readiness.add}.
 *
 * @module
 */

import type { LifelineServer } from "../server/mod.ts";

/** One condition of readiness. */
export interface ReadinessCheck {
  /** A short name: `"serving"`, `"redis"`. */
  readonly name: string;
  /**
   * Tells whether the condition holds now.
   *
   * @returns `null` when it holds, else why not (a sentence for people).
   */
  check(): string | null;
}

/** One condition's outcome. */
export interface ReadinessResult {
  /** The condition's name. */
  name: string;
  /** Whether it holds. */
  ok: boolean;
  /** Why not, when it does not. */
  reason?: string;
}

/** The outcome of every condition. */
export interface ReadinessReport {
  /** Whether every condition holds. */
  ready: boolean;
  /** Each condition, in the order added. */
  checks: ReadinessResult[];
}

/**
 * The conditions a node must meet to be ready.
 *
 * @example A node that is ready until a condition fails
 * ```ts
 * import { Readiness } from "@lifeline/lifeline/admin";
 * let fenced = false;
 * const readiness = new Readiness().add({
 *   name: "fenced",
 *   check: () => (fenced ? "this node is fenced off" : null),
 * });
 * console.log(readiness.evaluate().ready); // true
 * fenced = true;
 * console.log(readiness.evaluate().checks[0].reason); // this node is fenced off
 * ```
 */
export class Readiness {
  #checks: ReadinessCheck[] = [];

  /**
   * Creates the list.
   *
   * @param checks The first conditions.
   */
  constructor(checks: readonly ReadinessCheck[] = []) {
    this.#checks.push(...checks);
  }

  /**
   * Adds a condition.
   *
   * @param check The condition.
   * @returns This list.
   */
  add(check: ReadinessCheck): this {
    this.#checks.push(check);
    return this;
  }

  /**
   * Evaluates every condition now.
   *
   * @returns Whether all hold, and each one's outcome.
   */
  evaluate(): ReadinessReport {
    const checks = this.#checks.map((c): ReadinessResult => {
      const reason = c.check();
      return reason === null
        ? { name: c.name, ok: true }
        : { name: c.name, ok: false, reason };
    });
    return { ready: checks.every((c) => c.ok), checks };
  }
}

/**
 * The server's condition: it is serving, not starting, draining or stopped.
 *
 * @param server The server.
 * @returns The condition, named `"serving"`.
 *
 * @example
 * ```ts
 * import { Readiness, serverReadiness } from "@lifeline/lifeline/admin";
 * import { startServer } from "@lifeline/lifeline/server";
 * const server = await startServer({ port: 0 });
 * const readiness = new Readiness([serverReadiness(server)]);
 * console.log(readiness.evaluate().ready); // true
 * const closed = server.close();
 * console.log(readiness.evaluate().checks[0].reason); // the server is draining
 * await closed;
 * ```
 */
export function serverReadiness(server: LifelineServer): ReadinessCheck {
  return {
    name: "serving",
    check: () =>
      server.state === "serving" ? null : `the server is ${server.state}`,
  };
}

/**
 * The cluster's condition: cross-node features work (Redis reachable, the
 * node not fenced). A node alone always meets it.
 *
 * @param server The server.
 * @returns The condition, named `"cluster"`.
 *
 * @example
 * ```ts
 * import { clusterReadiness, Readiness } from "@lifeline/lifeline/admin";
 * import { startServer } from "@lifeline/lifeline/server";
 * await using server = await startServer({ port: 0 });
 * console.log(new Readiness([clusterReadiness(server)]).evaluate().ready); // true
 * ```
 */
export function clusterReadiness(server: LifelineServer): ReadinessCheck {
  return {
    name: "cluster",
    check: () => {
      const cluster = server.cluster;
      return cluster.available
        ? null
        : `the cluster is unavailable (degraded): ${cluster.reason}`;
    },
  };
}
