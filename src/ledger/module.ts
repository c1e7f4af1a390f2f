// The ledger module: the Rinha de Backend 2024 Q1 contract. Its two routes, their OpenAPI
// operations (the contract in the project's words), the store and its metrics.
import { acceptsDeclaredLength, readBody } from '../kernel/body.js';
import type { Module, ModuleContext } from '../kernel/module.js';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PARAMETER } from '../kernel/idempotency.js';
import { errorResponse, schemaRef } from '../kernel/openapi.js';
import { mayBeOpenAccountText } from './client-id.js';
import { LEDGER_SCHEMAS } from './schemas.js';
import { PgLedgerStore } from './store.js';
import { createLedger } from './use-cases.js';

const CLIENT_ID = {
  name: 'id',
  in: 'path',
  required: true,
  description:
    'The client: a positive decimal integer within int32, written canonically (no sign, no leading zero). ' +
    'Anything else (`abc`, `-1`, `01`, `1.5`, `99999999999`) is answered 404, as is an id with no client.',
  schema: { type: 'string', pattern: '^[1-9][0-9]{0,9}$', examples: ['1'] },
} as const;

/** Open accounts need nothing; a user's account needs its owner's token. */
const OPTIONAL_BEARER: readonly Readonly<Record<string, readonly string[]>>[] = [{}, { bearer: [] }];

const json = (name: string, description: string) => ({ description, content: { 'application/json': { schema: schemaRef(name) } } });

const TAG = {
  name: 'ledger',
  description: `The accounts and their statements: the Rinha de Backend 2024 Q1 contract, and where we are stricter.

Exactly five clients exist after start-up, each with balance 0; client 6 does not exist:

| id | limite |
|---|---|
| 1 | 100000 |
| 2 | 80000 |
| 3 | 1000000 |
| 4 | 10000000 |
| 5 | 500000 |

Amounts are integer cents. A debit never takes a balance below \`-limite\` (limit 1000: the
balance may reach -1000, never -1001); balances never pass 2^53 - 1 (a credit that would is
refused with 422). Every answer is durable: a 200 is committed; a 4xx changed nothing.

**The official stress test** (what users run): Gatling against port 9999 of a load balancer
doing round-robin over two instances, one database, all services within 1.5 CPU and 550 MB.
First 25 concurrent debits of 1 on client 1 (then the statement shows -25) and 25 credits (0);
then per client a credit "toma" and a debit "devolve" (listed newest first), a credit "danada"
followed by 4 concurrent statements that must list it first with its balance, and five invalid
payloads (valor 1.2, tipo "x", a 25-character descricao, an empty one, null) answered 422 or
400; client 6's statement is 404. Then for 4 minutes, each virtual user on its own new
connection: debits ramping from 1 to 220/s over 2 minutes then holding, credits to 110/s,
statements to 10/s (about 61,500 requests). Every 200 is checked for saldo >= -limite; 98% of
requests must answer within 250 ms with 200 or 422.`,
} as const;

export function createLedgerModule(context: ModuleContext): Module {
  const { config, metrics, pool } = context;
  const batchSize = metrics.histogram(
    'crebitos_ledger_call_transactions',
    'Credits/debits per database call: 1 through transact(), more through transact_batch() (natural batching).',
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 1000],
  );
  const store = new PgLedgerStore(
    pool,
    { maxInFlight: config.dbBatchesInFlight, batchMax: config.batchMax, queueMax: config.queueMax },
    (size) => batchSize.observe(size),
  );
  metrics.gauge('crebitos_ledger_queue_transactions', 'Credits/debits waiting for a free database call.', () => store.queued);
  metrics.gauge('crebitos_ledger_pending_transactions', 'Credits/debits accepted and not answered yet (queued or in a call).', () => store.pending);
  const ledger = createLedger(store);

  return {
    name: 'ledger',
    tag: TAG,
    schemas: LEDGER_SCHEMAS,
    start: () => store.warmUp(config.dbPoolSize),
    pending: () => store.pending,
    routes: [
      {
        method: 'post',
        path: '/clientes/{id}/transacoes',
        operation: {
          operationId: 'transact',
          summary: 'Credit or debit a client',
          description:
            'Applies one credit or debit atomically: the limit check, the balance update and the statement line are one ' +
            'database call and one commit. Answered only after the commit. A body that is not JSON, or not an object, is 400; ' +
            'a body over 1 KiB is 413 without being read whole. Open accounts (ids below 1000: the five Rinha clients) need no ' +
            'credentials; a user\'s account (id 1000 and above, see POST /users) is served only with its owner\'s bearer token, ' +
            'checked in the same SQL statement as the write, and answers 404 to any other caller, exactly as a missing account.',
          parameters: [CLIENT_ID, IDEMPOTENCY_KEY_PARAMETER],
          security: OPTIONAL_BEARER,
          requestBody: { required: true, content: { 'application/json': { schema: schemaRef('Transacao') } } },
          responses: {
            200: json('ResultadoTransacao', 'Committed: the limit and the balance after this transaction.'),
            400: errorResponse('The body is not JSON (including invalid UTF-8 or a byte-order mark), or not a JSON object.'),
            404: errorResponse('No such client (or an id that cannot be one).'),
            405: errorResponse('Another method than POST on this path.'),
            409: errorResponse('A request with the same Idempotency-Key is still running; nothing was done by this one.'),
            413: errorResponse('The body is larger than 1 KiB.'),
            422: errorResponse(
              'A field breaks its rule (valor, tipo, descricao), the debit would take the balance below -limite, or the credit past 2^53 - 1; ' +
                'or the Idempotency-Key is malformed or was used with another request. Nothing changed.',
            ),
            503: errorResponse('The database is unreachable or the instance is overloaded; the outcome is unknown only if the request was sent before the failure.'),
          },
        },
        handler(res, req, responder) {
          const clientId = req.getParameter(0);
          if (!acceptsDeclaredLength(req.getHeader('content-length'), responder)) return;
          const key = req.getHeader(IDEMPOTENCY_KEY_HEADER);
          // The Rinha hot path: an open account, no key: natural batching through transact().
          if (key === '' && mayBeOpenAccountText(clientId)) return readBody(res, responder, (body) => ledger.transact(clientId, body, responder));
          // Copied now: uWS's HttpRequest is gone once this handler returns.
          const authorization = req.getHeader('authorization');
          readBody(res, responder, (body) => ledger.transactAsCaller(clientId, body, authorization, key, responder));
        },
      },
      {
        method: 'get',
        path: '/clientes/{id}/extrato',
        operation: {
          operationId: 'statement',
          summary: 'A client\'s statement',
          description:
            'The balance, the time of the query and the 10 newest transactions, newest first, read in one snapshot. No ' +
            'balance is cached: it reflects every transaction already answered 200, on any instance. A user\'s account is shown ' +
            'only to its owner\'s bearer token (404 for anyone else).',
          parameters: [CLIENT_ID],
          security: OPTIONAL_BEARER,
          responses: {
            200: json('Extrato', 'The statement.'),
            404: errorResponse('No such client (or an id that cannot be one).'),
            405: errorResponse('Another method than GET on this path.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(_res, req, responder) {
          const clientId = req.getParameter(0);
          if (mayBeOpenAccountText(clientId)) return ledger.statement(clientId, responder);
          ledger.statementAsCaller(clientId, req.getHeader('authorization'), responder);
        },
      },
    ],
  };
}
