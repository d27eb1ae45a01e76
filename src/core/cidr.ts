/**
 * IPv4 and IPv6 address ranges in CIDR notation (`203.0.113.0/24`, `2001:db8::/32`), as a
 * NetworkPolicy's `ipBlock.cidr` takes them. A range is accepted only in its canonical form,
 * the one Kubernetes reports back: the network address (no host bits set), IPv4 without
 * leading zeros, IPv6 in lowercase with the longest run of zero groups shortened (RFC 5952).
 * What the user wrote is then exactly what the manifests carry.
 */

/* eslint-disable no-bitwise */ // an address is a string of bits: masks and shifts say what is meant

/** A parsed range: its family, its network address as a number, and its prefix length. */
export interface Cidr {
  readonly version: 4 | 6;
  readonly address: bigint;
  readonly prefix: number;
}

/** Why a text is not an acceptable range: `expected` completes "expected ..." in a message. */
export interface CidrProblem {
  readonly expected: string;
}

const GRAMMAR = 'an ipv4 or ipv6 cidr: an address, "/" and a prefix length (0 to 32 for ipv4, 0 to 128 for ipv6), '
  + 'e.g. "203.0.113.0/24" or "2001:db8::/32"';

/** Parses a CIDR, or says what is wrong with it (host bits, a prefix out of range, a non-canonical form). */
export function parseCidr(text: unknown): Cidr | CidrProblem {
  if (typeof text !== 'string') return { expected: GRAMMAR };
  const m = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(text);
  if (!m) return { expected: GRAMMAR };
  const [, host, prefixText] = m;
  const prefix = Number(prefixText);
  const v4 = host.includes(':') ? undefined : ipv4(host);
  const v6 = host.includes(':') ? ipv6(host) : undefined;
  if (v4 === undefined && v6 === undefined) return { expected: GRAMMAR };
  const version = v4 !== undefined ? 4 : 6;
  const width = version === 4 ? 32 : 128;
  if (prefix > width) return { expected: `a prefix length from 0 to ${width} for an ipv${version} address` };
  const address = (v4 ?? v6)!;
  const hostBits = (1n << BigInt(width - prefix)) - 1n;
  const network = address & ~hostBits;
  const canonical = `${version === 4 ? formatIpv4(network) : formatIpv6(network)}/${prefix}`;
  if (network !== address) {
    return { expected: `the network address "${canonical}" (the address has host bits set beyond /${prefix})` };
  }
  if (canonical !== text) return { expected: `its canonical form "${canonical}"` };
  return { version, address, prefix };
}

/** True when the result of `parseCidr` is a problem. */
export function isCidrProblem(result: Cidr | CidrProblem): result is CidrProblem {
  return (result as CidrProblem).expected !== undefined;
}

function ipv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // no leading zeros: "010" is octal to some parsers and decimal to others
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function ipv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  // embedded ipv4 forms (::ffff:192.0.2.1) and zone ids (fe80::1%eth0) are not ranges a policy takes
  const groups = (half: string): number[] | undefined => {
    if (half === '') return [];
    const parts = half.split(':');
    const valid = parts.every((part) => /^[0-9A-Fa-f]{1,4}$/.test(part));
    return valid ? parts.map((part) => parseInt(part, 16)) : undefined;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  // "::" stands for at least one group of zeros
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...head, ...Array<number>(8 - count).fill(0), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function formatIpv4(value: bigint): string {
  return [24, 16, 8, 0].map((shift) => String((value >> BigInt(shift)) & 255n)).join('.');
}

/** RFC 5952: lowercase, no leading zeros, the first longest run of two or more zero groups as "::". */
function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}
