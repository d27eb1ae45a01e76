/* eslint-disable no-bitwise */ // an address is a string of bits: masks and shifts say what is meant
/**
 * CIDR parsing for NetworkPolicy ipBlocks: the canonical form is held to an independent
 * oracle (Node's WHATWG URL parser, which serializes IPv6 hosts the RFC 5952 way, and its
 * `net.isIP`), on fixed cases and on random addresses.
 */
import { isIP } from 'net';
import * as fc from 'fast-check';
import { isCidrProblem, parseCidr } from '../src/core/cidr';

const RUNS = Number(process.env.FC_RUNS ?? 25) * 8;
const GRAMMAR = /^an ipv4 or ipv6 cidr: /;

/** The canonical text of an address, as the URL standard serializes it. */
function urlCanonical(address: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return new URL(`http://${host}/`).hostname.replace(/^\[|\]$/g, '');
}

/** The eight groups of an IPv6 address, in hex without leading zeros and without "::". */
function groupsOf(bits: bigint): string {
  const group = (i: number) => Number((bits >> BigInt(112 - 16 * i)) & 0xffffn).toString(16);
  return Array.from({ length: 8 }, (_, i) => group(i)).join(':');
}

describe('parseCidr', () => {
  test.each([
    ['203.0.113.0/24', 4, 24], ['10.0.0.0/8', 4, 8], ['0.0.0.0/0', 4, 0], ['255.255.255.255/32', 4, 32],
    ['2001:db8::/32', 6, 32], ['::/0', 6, 0], ['::1/128', 6, 128], ['fd00::/8', 6, 8],
    ['1:0:0:1::/128', 6, 128], ['1::2:0:0:3:4/128', 6, 128], ['2001:db8:0:1:1:1:1:1/128', 6, 128],
  ] as const)('accepts the canonical %s', (text, version, prefix) => {
    const parsed = parseCidr(text);
    expect(isCidrProblem(parsed)).toBe(false);
    expect(parsed).toMatchObject({ version, prefix });
  });

  test.each([
    ['10.1.2.3/8', 'the network address "10.0.0.0/8" (the address has host bits set beyond /8)'],
    ['2001:db8::1/32', 'the network address "2001:db8::/32" (the address has host bits set beyond /32)'],
    ['2001:DB8::/32', 'its canonical form "2001:db8::/32"'],
    ['2001:db8:0:0:0:0:0:0/32', 'its canonical form "2001:db8::/32"'],
    // a single zero group is not shortened; the first of two equally long runs is
    ['2001:db8:0:0:1:0:0:1/128', 'its canonical form "2001:db8::1:0:0:1/128"'],
    ['2001:db8:0:1:0:0:0:1/128', 'its canonical form "2001:db8:0:1::1/128"'],
    ['1:0:0:2::3:4/128', 'its canonical form "1::2:0:0:3:4/128"'],
    ['10.0.0.0/33', 'a prefix length from 0 to 32 for an ipv4 address'],
    ['::/129', 'a prefix length from 0 to 128 for an ipv6 address'],
  ])('%s: expected %s', (text, expected) => {
    expect(parseCidr(text)).toEqual({ expected });
  });

  test.each([
    '10.0.0.0', '10.0.0/8', '10.0.0.0.0/8', '256.0.0.0/8', '010.0.0.0/8', '10.0.0.0/08', '10.0.0.0/-1',
    '10.0.0.0/ 8', ' 10.0.0.0/8', '1:2:3:4:5:6:7:8:9/64', '1::2::3/64', '12345::/16', 'fe80::%eth0/64',
    '::ffff:192.0.2.0/120', 'g::/16', '/8', '',
  ])('refuses %j with the grammar', (text) => {
    const parsed = parseCidr(text);
    expect(isCidrProblem(parsed) && parsed.expected).toMatch(GRAMMAR);
  });

  test('refuses what is not a string', () => {
    for (const v of [undefined, null, 10, {}, ['10.0.0.0/8']]) expect(isCidrProblem(parseCidr(v))).toBe(true);
  });

  test('random ipv6 networks: accepted exactly in the form the URL standard writes them', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const groups8 = fc.array(group, { minLength: 8, maxLength: 8 });
    fc.assert(fc.property(groups8, fc.integer({ min: 0, max: 128 }), (groups, prefix) => {
      // clear the host bits, so only the spelling is in question
      let bits = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
      bits &= ~((1n << BigInt(128 - prefix)) - 1n);
      const full = groupsOf(bits);
      expect(isIP(full)).toBe(6);
      const canonical = urlCanonical(full);
      expect(parseCidr(`${canonical}/${prefix}`)).toMatchObject({ version: 6, prefix, address: bits });
      const other = full.toUpperCase();
      if (other !== canonical) {
        const expected = `its canonical form "${canonical}/${prefix}"`;
        expect(parseCidr(`${other}/${prefix}`)).toEqual({ expected });
      }
    }), { numRuns: RUNS });
  });

  test('random ipv4 networks: accepted in dotted decimal, host bits refused', () => {
    const octets4 = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
    fc.assert(fc.property(octets4, fc.integer({ min: 1, max: 32 }), (octets, prefix) => {
      const text = octets.join('.');
      expect(urlCanonical(text)).toBe(text);
      const value = octets.reduce((acc, o) => acc * 256 + o, 0);
      const size = 2 ** (32 - prefix);
      const network = Math.floor(value / size) * size;
      const networkText = [24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.');
      const parsed = parseCidr(`${text}/${prefix}`);
      if (network === value) {
        expect(parsed).toMatchObject({ version: 4, prefix });
      } else {
        const why = `(the address has host bits set beyond /${prefix})`;
        expect(parsed).toEqual({ expected: `the network address "${networkText}/${prefix}" ${why}` });
      }
    }), { numRuns: RUNS });
  });
});
