// The ledger's response shapes, defined once: fast-json-stringify compiles each at load, and the
// OpenAPI document publishes the same objects under components.schemas.
import { compileSerializer } from '../kernel/serializer.js';

export interface TransactionResult {
  limite: number;
  saldo: number;
}

export interface StatementEntry {
  valor: number;
  tipo: string;
  descricao: string;
  realizada_em: string;
}

export interface Statement {
  saldo: { total: number; data_extrato: string; limite: number };
  ultimas_transacoes: StatementEntry[];
}

const CENTS = 'Integer cents.';
const UTC_MICROS = 'UTC, ISO 8601 with microseconds, ending in Z.';

export const TRANSACTION_REQUEST_SCHEMA = {
  type: 'object',
  description:
    'A credit or debit. Unknown fields are ignored; on duplicate keys the last one wins. `valor` is checked as written: ' +
    '`1.0`, `1e3`, `"1"`, `0`, negatives, booleans and null are refused with 422.',
  properties: {
    valor: { type: 'integer', minimum: 1, maximum: 2147483647, description: `${CENTS} 1 to 2147483647, written with digits only.` },
    tipo: { type: 'string', enum: ['c', 'd'], description: '`c` credit, `d` debit.' },
    descricao: {
      type: 'string',
      minLength: 1,
      maxLength: 10,
      description: '1 to 10 Unicode characters (code points), stored and returned exactly as sent; U+0000 and lone surrogates are refused.',
    },
  },
  required: ['valor', 'tipo', 'descricao'],
  examples: [{ valor: 1000, tipo: 'c', descricao: 'descricao' }],
} as const;

export const TRANSACTION_RESULT_SCHEMA = {
  type: 'object',
  description: 'The client\'s limit and its balance right after this transaction.',
  properties: {
    limite: { type: 'integer', description: `${CENTS} The balance may go down to -limite, never below.` },
    saldo: { type: 'integer', description: `${CENTS} The balance after this transaction; always >= -limite.` },
  },
  required: ['limite', 'saldo'],
  examples: [{ limite: 100000, saldo: -9098 }],
} as const;

export const STATEMENT_SCHEMA = {
  type: 'object',
  description:
    'One consistent snapshot: `saldo.total` equals the balance right after the newest listed transaction, and reflects ' +
    'every transaction that already got its 200, whichever instance served it.',
  properties: {
    saldo: {
      type: 'object',
      properties: {
        total: { type: 'integer', description: `${CENTS} The current balance, of all transactions, not only those listed.` },
        data_extrato: { type: 'string', format: 'date-time', description: `The time of the query, ${UTC_MICROS}` },
        limite: { type: 'integer', description: CENTS },
      },
      required: ['total', 'data_extrato', 'limite'],
    },
    ultimas_transacoes: {
      type: 'array',
      maxItems: 10,
      description: 'At most the 10 newest transactions, newest first; ties in time are broken by insertion order.',
      items: {
        type: 'object',
        properties: {
          valor: { type: 'integer', minimum: 1, description: CENTS },
          tipo: { type: 'string', enum: ['c', 'd'] },
          descricao: { type: 'string' },
          realizada_em: { type: 'string', format: 'date-time', description: UTC_MICROS },
        },
        required: ['valor', 'tipo', 'descricao', 'realizada_em'],
      },
    },
  },
  required: ['saldo', 'ultimas_transacoes'],
  examples: [
    {
      saldo: { total: -9098, data_extrato: '2024-01-17T02:34:41.217753Z', limite: 100000 },
      ultimas_transacoes: [{ valor: 10, tipo: 'c', descricao: 'descricao', realizada_em: '2024-01-17T02:34:38.543030Z' }],
    },
  ],
} as const;

export const serializeTransactionResult = compileSerializer<TransactionResult>(TRANSACTION_RESULT_SCHEMA);
export const serializeStatement = compileSerializer<Statement>(STATEMENT_SCHEMA);

/** components.schemas of the ledger. */
export const LEDGER_SCHEMAS = {
  Transacao: TRANSACTION_REQUEST_SCHEMA,
  ResultadoTransacao: TRANSACTION_RESULT_SCHEMA,
  Extrato: STATEMENT_SCHEMA,
} as const;
