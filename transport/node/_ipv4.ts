/**
 * IPv4 addresses packed into one small integer: a connection keeps its
 * peer's address in a field of its own object instead of as a string.
 *
 * @module
 */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Packs a dotted IPv4 address into a signed 32-bit integer, which V8 keeps
 * inside the object (a small integer) instead of as a string of its own.
 *
 * @param address An address as the socket reports it.
 * @returns The packed address, or `undefined` when it is not plain IPv4.
 */
export function packIpv4(address: string): number | undefined {
  const match = IPV4.exec(address);
  if (match === null) return undefined;
  let packed = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(match[i]);
    if (octet > 255 || (match[i].length > 1 && match[i][0] === "0")) {
      return undefined;
    }
    packed = (packed << 8) | octet;
  }
  return packed;
}

/**
 * The dotted form of an address packed by {@link packIpv4}.
 *
 * @param packed The packed address.
 * @returns The address, for example `"127.0.0.1"`.
 */
export function unpackIpv4(packed: number): string {
  return `${(packed >>> 24) & 255}.${(packed >>> 16) & 255}.${
    (packed >>> 8) & 255
  }.${packed & 255}`;
}
