/**
 * Manage the kernel's TCP keepalive settings (`net.ipv4.tcp_keepalive_time`,
 * `_intvl`, `_probes`) safely: read the runtime values and what procps and
 * systemd-sysctl set at boot, plan values for a detection time, diff, check,
 * and apply them with an atomic write, a backup, a lock and a rollback. The
 * CLI is `sysctl/main.ts`; the guide is `docs/sysctl.md`.
 *
 * @example Plan values and see what they would change in a file
 * ```ts
 * import { planChanges, planKeepalive } from "@lifeline/lifeline/sysctl";
 * const root = await Deno.makeTempDir();
 * const plan = planKeepalive(120);
 * const changes = await planChanges(plan.settings, { root, scope: "file" });
 * console.log(changes.patch);
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./keepalive.ts";
export * from "./plan.ts";
export * from "./config_file.ts";
export * from "./config_edit.ts";
export * from "./kernel_value.ts";
export * from "./resolve_in_root.ts";
export * from "./boot_order.ts";
export * from "./runtime.ts";
export * from "./atomic_write.ts";
export * from "./warnings.ts";
export * from "./manager.ts";
export * from "./state.ts";
export * from "./apply.ts";
export * from "./restore.ts";
