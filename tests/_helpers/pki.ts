/**
 * Certificates made at test time with Debian's `openssl`, in a temporary
 * folder: a certificate authority, and server certificates it signs.
 * Elliptic-curve keys (P-256), valid for a day.
 *
 * @module
 */

import { hasProgram } from "./needs.ts";

/** Whether `openssl` is here to make certificates. */
export const HAS_OPENSSL: boolean = hasProgram("openssl");

/** A certificate and its key, as files and as PEM text. */
export interface Issued {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const output = await new Deno.Command("openssl", {
    args,
    cwd,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `openssl ${args[0]} failed: ${new TextDecoder().decode(output.stderr)}`,
    );
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

/** A certificate authority in a temporary folder. */
export class TestCa implements AsyncDisposable {
  readonly dir: string;
  readonly name: string;
  /** The CA's certificate, PEM: what a client trusts. */
  cert = "";
  /** Its file. */
  readonly certFile: string;
  #serial = 0;

  private constructor(dir: string, name: string) {
    this.dir = dir;
    this.name = name;
    this.certFile = `${dir}/${name}.pem`;
  }

  /**
   * Makes a CA (its key and self-signed certificate).
   *
   * @param name Its common name, and the prefix of its files.
   * @param dir A folder to share with other CAs; a new temporary one
   * without it.
   */
  static async create(name = "ca", dir?: string): Promise<TestCa> {
    const ca = new TestCa(dir ?? await Deno.makeTempDir(), name);
    await openssl([
      "req",
      "-x509",
      ...EC,
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-subj",
      `/CN=Lifeline test ${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ], ca.dir);
    ca.cert = await Deno.readTextFile(ca.certFile);
    return ca;
  }

  /**
   * Issues a server certificate for `localhost` and `127.0.0.1`, or the
   * names given.
   *
   * @param file The prefix of its files.
   * @param names Subject alternative names, such as `DNS:localhost`.
   */
  async issue(
    file: string,
    names: string[] = ["DNS:localhost", "IP:127.0.0.1"],
  ): Promise<Issued> {
    const dir = this.dir;
    await Deno.writeTextFile(
      `${dir}/${file}.ext`,
      `subjectAltName=${names.join(",")}\nbasicConstraints=CA:FALSE\n` +
        "extendedKeyUsage=serverAuth\n",
    );
    await openssl([
      "req",
      ...EC,
      "-nodes",
      "-keyout",
      `${file}.key`,
      "-out",
      `${file}.csr`,
      "-subj",
      `/CN=${file}`,
    ], dir);
    await openssl([
      "x509",
      "-req",
      "-in",
      `${file}.csr`,
      "-CA",
      `${this.name}.pem`,
      "-CAkey",
      `${this.name}.key`,
      "-set_serial",
      String(++this.#serial + Date.now()),
      "-out",
      `${file}.pem`,
      "-days",
      "1",
      "-extfile",
      `${file}.ext`,
    ], dir);
    return {
      certFile: `${dir}/${file}.pem`,
      keyFile: `${dir}/${file}.key`,
      cert: await Deno.readTextFile(`${dir}/${file}.pem`),
      key: await Deno.readTextFile(`${dir}/${file}.key`),
    };
  }

  /** Removes the folder. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
