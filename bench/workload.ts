// The mixed workload of `npm run bench`: debits, credits and statements in the official test's
// ratio (220 : 110 : 10 per second at its peak = 22 : 11 : 1), each on a random client 1-5, with
// a random valor 1..10000. autocannon calls setupRequest before every request it sends.

export type Kind = 'debit' | 'credit' | 'statement';

export const MIX: Readonly<Record<Kind, number>> = { debit: 22, credit: 11, statement: 1 };
const TOTAL = MIX.debit + MIX.credit + MIX.statement;

export interface BenchRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

const DESCRICOES = ['bench', 'toma', 'devolve', 'pix', 'aluguel', 'mercado', 'x', 'abcdefghij'];

/** One request; `random` returns [0, 1) like Math.random. */
export function nextRequest(random: () => number = Math.random): { kind: Kind; request: BenchRequest } {
  const client = 1 + Math.floor(random() * 5);
  const draw = random() * TOTAL;
  if (draw < MIX.statement) return { kind: 'statement', request: { method: 'GET', path: `/clientes/${client}/extrato` } };
  const kind: Kind = draw < MIX.statement + MIX.credit ? 'credit' : 'debit';
  const valor = 1 + Math.floor(random() * 10000);
  const descricao = DESCRICOES[Math.floor(random() * DESCRICOES.length)]!;
  return {
    kind,
    request: {
      method: 'POST',
      path: `/clientes/${client}/transacoes`,
      body: `{"valor":${valor},"tipo":"${kind === 'credit' ? 'c' : 'd'}","descricao":"${descricao}"}`,
    },
  };
}

/** Counts of what was sent, for the report. */
export class MixCounter {
  readonly sent: Record<Kind, number> = { debit: 0, credit: 0, statement: 0 };

  /** An autocannon `requests` entry that draws a new request each time. */
  autocannonRequest(): { setupRequest: (request: Record<string, unknown>) => Record<string, unknown> } {
    return {
      setupRequest: (request) => {
        const { kind, request: next } = nextRequest();
        this.sent[kind]++;
        // A fresh headers object each time: autocannon writes Content-Length into the one it is
        // given, and a GET inheriting a POST's Content-Length stalls its connection for good.
        const headers: Record<string, string> = next.body === undefined ? {} : { 'content-type': 'application/json' };
        return { ...request, method: next.method, path: next.path, headers, body: next.body ?? '' };
      },
    };
  }
}
