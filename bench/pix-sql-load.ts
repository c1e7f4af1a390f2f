// Pulls straight in SQL, no HTTP, with the texts the pix store sends: what bench:pix's
// database-alone phases and bench:pix-statements both drive. Streams are opened up front on
// receivers with messages waiting; connections then pull round-robin over the streams, each call
// carrying `perCall` pulls (1: PULL, one pix_pull; more: PULL_BATCH, as the store's natural
// batching sends them under load), a stream never in two calls at once.
import pg from 'pg';
import { PULL, PULL_BATCH } from '../src/pix/store-sql.js';

export interface SqlStream {
  readonly ispb: string;
  readonly id: number;
  seen: number;
  busy: boolean;
}

const HOLD = '60 seconds';

/** Generates `messagesEach` messages (in calls of at most 10,000) for each receiver, then opens its 6 streams. */
export async function openSqlStreams(client: pg.Client, ispbs: readonly string[], messagesEach: number): Promise<SqlStream[]> {
  const streams: SqlStream[] = [];
  for (const ispb of ispbs) {
    for (let left = messagesEach; left > 0; left -= 10_000) await client.query('SELECT pix_generate_messages($1, $2)', [ispb, Math.min(left, 10_000)]);
    for (let k = 0; k < 6; k++) {
      const { rows } = await client.query('SELECT stream_id FROM pix_start_stream($1, 6, $2)', [ispb, HOLD]);
      streams.push({ ispb, id: Number(rows[0].stream_id), seen: 0, busy: false });
    }
  }
  return streams;
}

/** Pulls on every client until `seconds` have passed; the messages and pulls done per second. */
export async function pullStraight(clients: readonly pg.Client[], streams: SqlStream[], perCall: number, seconds: number): Promise<{ perSecond: number; pullsPerSecond: number }> {
  let pulls = 0;
  let messages = 0;
  let next = 0;
  const startedAt = performance.now();
  const end = startedAt + seconds * 1000;
  await Promise.all(clients.map(async (client) => {
    while (performance.now() < end) {
      const batch: SqlStream[] = [];
      while (batch.length < perCall) {
        const stream = streams[next++ % streams.length]!;
        if (stream.busy) continue;
        stream.busy = true;
        batch.push(stream);
      }
      const rows: { item: number; pull_no: number; claimed: number }[] = perCall === 1
        ? (await client.query({ name: 'pull', text: PULL, values: [batch[0]!.id, batch[0]!.ispb, batch[0]!.seen, 10, HOLD] })).rows.map((row) => ({ item: 1, ...row }))
        : (await client.query({
            name: 'pull_batch',
            text: PULL_BATCH,
            values: [batch.map((s) => s.id), batch.map((s) => s.ispb), batch.map((s) => s.seen), batch.map(() => 10), batch.map(() => HOLD)],
          })).rows;
      for (const row of rows) {
        const stream = batch[row.item - 1]!;
        stream.seen = row.pull_no;
        stream.busy = false;
        pulls++;
        messages += row.claimed;
      }
    }
  }));
  const elapsed = (performance.now() - startedAt) / 1000;
  return { perSecond: messages / elapsed, pullsPerSecond: pulls / elapsed };
}
