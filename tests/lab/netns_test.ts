import assert from "node:assert/strict";
import {
  cleanupStaleNamespaces,
  createTopology,
  listNamespaces,
  mustRun,
  run,
} from "../../lab/netns.ts";
import { ignoreUnless, IS_ROOT } from "../_helpers/needs.ts";

const ignore = ignoreUnless(
  "root, to create network namespaces",
  IS_ROOT,
  "tests/lab/netns_test.ts",
);

Deno.test({
  name: "a topology lives only in its namespaces and is deleted afterwards",
  ignore,
  async fn() {
    const topology = await createTopology({
      nat: "strict",
      conntrackTimeoutS: 4,
    });
    try {
      const names = await listNamespaces(`lab-${Deno.pid}-`);
      assert.equal(names.length, 3);
      const host = await mustRun("ip", ["-o", "addr"]);
      assert.ok(
        !host.includes("10.250."),
        "the host namespace has no lab address",
      );
      assert.equal(
        await topology.readSysctl(
          topology.router,
          "net.netfilter.nf_conntrack_tcp_timeout_established",
        ),
        "4",
      );
      assert.equal(
        await topology.readSysctl(
          topology.router,
          "net.netfilter.nf_conntrack_tcp_loose",
        ),
        "0",
      );
      assert.equal(
        await topology.readSysctl(
          topology.server,
          "net.ipv4.tcp_keepalive_time",
        ),
        "7200",
      );
    } finally {
      await topology.destroy();
    }
    assert.deepEqual(await listNamespaces(`lab-${Deno.pid}-`), []);
  },
});

Deno.test({
  name:
    "cleanupStaleNamespaces() removes namespaces of a lab run that no longer exists",
  ignore,
  async fn() {
    // A pid above the kernel's pid_max cannot be alive.
    const stale = "lab-99999999-0-srv";
    await mustRun("ip", ["netns", "add", stale]);
    try {
      const deleted = await cleanupStaleNamespaces();
      assert.ok(deleted.includes(stale));
      assert.deepEqual(await listNamespaces(stale), []);
    } finally {
      await run("ip", ["netns", "del", stale]);
    }
  },
});
