// How many TCP connections are established to a local port, from the kernel's socket tables
// (Linux). uWS tells nothing of idle HTTP connections, and the drain needs to know whether a
// load balancer still holds one (it could send a request on it): with none left, the instance
// stops at once instead of waiting out the whole grace period.
import { readFile } from 'node:fs/promises';

const ESTABLISHED = '01';

/** Established connections whose local port is `port`; undefined where /proc cannot tell. */
export async function establishedConnections(port: number): Promise<number | undefined> {
  const tables = await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((file) => readFile(file, 'utf8').catch(() => undefined)));
  if (tables.every((table) => table === undefined)) return undefined;
  let count = 0;
  for (const table of tables) if (table !== undefined) count += countEstablished(table, port);
  return count;
}

/** Counts the rows of a /proc/net/tcp table with local port `port` in state ESTABLISHED. */
export function countEstablished(table: string, port: number): number {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  for (const line of table.split('\n').slice(1)) {
    // "  sl  local_address rem_address   st ..." -> "0: 0100007F:1F90 0100007F:D2A4 01 ..."
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    if (fields[3] === ESTABLISHED && fields[1]!.endsWith(`:${portHex}`)) count++;
  }
  return count;
}
