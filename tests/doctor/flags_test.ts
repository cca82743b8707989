import assert from "node:assert/strict";
import { UsageError } from "../../common/cli.ts";
import { parseDoctorFlags, parseServerAddress } from "../../doctor/_flags.ts";

function refused(args: string[], message: string): void {
  assert.throws(
    () => parseDoctorFlags(args),
    (error: Error) => error instanceof UsageError && error.message === message,
    args.join(" "),
  );
}

Deno.test("parseDoctorFlags() takes the server's defaults when no policy is given", () => {
  const options = parseDoctorFlags([]);
  assert.deepEqual(options.policy, {
    from: "flags",
    intervalMs: 5000,
    timeoutMs: 15_000,
    defaults: true,
  });
  assert.equal(options.roundTripMs, 1000);
  assert.deepEqual(options.path, []);
  assert.equal(options.json, false);
});

Deno.test("parseDoctorFlags() reads every flag", () => {
  const options = parseDoctorFlags([
    "--interval",
    "1s",
    "--timeout",
    "3s",
    "--tick",
    "250ms",
    "--path",
    "aws-nlb",
    "--path",
    "4s:rst",
    "--client-interval",
    "800ms",
    "--rtt",
    "50ms",
    "--json",
  ]);
  assert.deepEqual(options.policy, {
    from: "flags",
    intervalMs: 1000,
    timeoutMs: 3000,
    tickMs: 250,
    defaults: false,
  });
  assert.deepEqual(options.path.map((p) => p.id), ["aws-nlb", "4s:rst"]);
  assert.equal(options.clientIntervalMs, 800);
  assert.equal(options.roundTripMs, 50);
  assert.equal(options.json, true);
  assert.deepEqual(
    parseDoctorFlags(["--server", "[::1]:9090", "--token", "t"]).policy,
    { from: "server", address: { hostname: "::1", port: 9090 }, token: "t" },
  );
  assert.deepEqual(parseDoctorFlags(["--no-heartbeat"]).policy, {
    from: "none",
  });
});

Deno.test("parseDoctorFlags() refuses flags that contradict each other, in one line", () => {
  refused(
    ["--server", "h:1", "--interval", "5s"],
    "--server cannot be combined with --interval",
  );
  refused(
    ["--no-heartbeat", "--timeout", "5s", "--client-interval", "1s"],
    "--no-heartbeat cannot be combined with --timeout, --client-interval",
  );
  refused(["--token", "x"], "--token needs --server");
  refused(["--name", "x"], "--name needs --server");
  refused(
    ["--admin", "h:1", "--server", "h:2"],
    "--admin cannot be combined with --server",
  );
  refused(
    ["--admin", "h:1", "--tick", "1s"],
    "--admin cannot be combined with --tick",
  );
  refused(["--admin-token", "x"], "--admin-token needs --admin");
});

Deno.test("parseDoctorFlags() reads --admin and --admin-token", () => {
  assert.deepEqual(
    parseDoctorFlags([
      "--admin",
      "127.0.0.1:9091",
      "--admin-token",
      "0123456789abcdef",
    ]).policy,
    {
      from: "admin",
      address: { hostname: "127.0.0.1", port: 9091 },
      token: "0123456789abcdef",
    },
  );
  refused(
    ["--admin", "9091"],
    '--admin: Cannot use "9091": expected HOST:PORT such as "127.0.0.1:9090"',
  );
});

Deno.test("parseDoctorFlags() refuses bad values, naming the flag and quoting the value", () => {
  refused(
    ["--interval", "5x"],
    '--interval: Cannot parse duration "5x": expected a number with a unit such as "5s", "250ms" or "1m"',
  );
  refused(
    ["--path", "aws"],
    '--path: Cannot use "aws": expected a preset (aws-nlb, aws-alb, gcp-internal-nlb, azure-lb, conntrack, cgnat) or an idle timeout such as "350s", optionally with ":rst" or ":close"',
  );
  refused(
    ["--root", "/nonexistent-doctor-root"],
    '--root: Cannot use "/nonexistent-doctor-root": expected an existing directory',
  );
  refused(
    ["--server", "localhost"],
    '--server: Cannot use "localhost": expected HOST:PORT such as "127.0.0.1:9090"',
  );
  assert.throws(() => parseDoctorFlags(["--bogus"]), UsageError);
});

Deno.test("parseServerAddress() reads host names, IPv4 and bracketed IPv6", () => {
  assert.deepEqual(parseServerAddress("example.com:443"), {
    hostname: "example.com",
    port: 443,
  });
  assert.deepEqual(parseServerAddress("[::1]:9090"), {
    hostname: "::1",
    port: 9090,
  });
  assert.throws(() => parseServerAddress("h:0"), UsageError);
  assert.throws(() => parseServerAddress("h:70000"), UsageError);
});
