/** Parsing `host:port` addresses given on command lines. */

export interface Address {
  host: string;
  port: number;
}

export class AddressError extends Error {
  override name = 'AddressError';
}

/** Accepts `host:port`, `[v6]:port` and, for listening, `:port` (all interfaces). */
export function parseAddress(text: string): Address {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]*)):(\d{1,5})$/.exec(text.trim());
  if (!m) throw new AddressError(`bad address '${text}': expected host:port`);
  const port = Number(m[3]);
  if (port > 65535) throw new AddressError(`bad address '${text}': port ${port} is out of range`);
  const host = m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!);
  return { host, port };
}

export function formatAddress(a: Address): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Comma-separated list of addresses, as the recipes pass server lists. */
export function parseAddressList(text: string): Address[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(parseAddress);
}
