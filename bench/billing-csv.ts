// Writes a CSV of debts in the shape of part F's reference file (1.1 million rows, ~120 MB): the
// header, then rows with a name, an 11-digit governmentId, an e-mail, an amount in reais, a due
// date and a random UUID. Streamed to disk (bounded memory). Used by bench:billing and the
// billing end-to-end tests; deterministic but for the UUIDs.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const REFERENCE_ROWS = 1_100_000;
const FIRST = ['Ana', 'Bruno', 'Carla', 'Diego', 'Elijah', 'Fernanda', 'Gustavo', 'Helena', 'Igor', 'Joana', 'Karen', 'Lucas'];
const LAST = ['Santos', 'Silva', 'Souza', 'Oliveira', 'Pereira', 'Costa', 'Rodrigues', 'Almeida', 'Nascimento', 'Lima'];

/** The i-th generated row (no line break). */
export function debtRow(i: number): string {
  const name = `${FIRST[i % FIRST.length]} ${LAST[(i >> 4) % LAST.length]}`;
  const governmentId = String(10_000_000_000 + ((i * 7919) % 89_999_999_999));
  const reais = (i * 37) % 100_000;
  const cents = String((i * 13) % 100).padStart(2, '0');
  const month = String(1 + (i % 12)).padStart(2, '0');
  const day = String(1 + (i % 28)).padStart(2, '0');
  return `${name},${governmentId},${name.split(' ')[0]!.toLowerCase()}${i}@example.com,${reais + 1}.${cents},2026-${month}-${day},${randomUUID()}`;
}

/** Writes `rows` debts to `file`; resolves with its size in bytes. */
export async function writeDebtsCsv(file: string, rows: number = REFERENCE_ROWS): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  let buffer = 'name,governmentId,email,debtAmount,debtDueDate,debtId\n';
  for (let i = 0; i < rows; i++) {
    buffer += `${debtRow(i)}\n`;
    if (buffer.length >= 256 * 1024) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, 'finish');
  return bytes;
}
