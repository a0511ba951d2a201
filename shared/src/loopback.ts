/**
 * Is an address or URL host on this machine? Used wherever n3mon lets a credential or a secret
 * travel in clear only when it never leaves the machine: webhooks over plain http (collector),
 * /metrics without a key (collector), a plain-http collector URL (agent).
 */

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x (`::ffff:127.0.0.1`), as a socket reports them. */
export function isLoopbackAddress(ip: string): boolean {
  const v4 = ip.toLowerCase().startsWith('::ffff:') ? ip.slice(7) : ip;
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** A URL's hostname (`new URL(u).hostname`: `localhost`, `127.0.0.1`, `[::1]`) that resolves to this machine only. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  return isLoopbackAddress(h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h);
}
