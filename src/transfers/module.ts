// The transfers module: users and their tokens, POST /transfer (the PicPay challenge's shape, part
// D), and the operator's view of dead notifications. The worker process (src/worker.ts, with
// this module's notifier.ts) delivers the notifications the transfers queue.
import { createHash, timingSafeEqual } from 'node:crypto';
import { acceptsDeclaredLength, readBody } from '../kernel/body.js';
import { ErrorCode } from '../kernel/errors.js';
import { IDEMPOTENCY_KEY_HEADER, IDEMPOTENCY_KEY_PARAMETER } from '../kernel/idempotency.js';
import type { Module, ModuleContext } from '../kernel/module.js';
import { errorResponse, schemaRef } from '../kernel/openapi.js';
import { createAuthorizer } from './authorizer.js';
import { hashPassword } from './password.js';
import { serializeDeadNotifications, TRANSFERS_SCHEMAS } from './schemas.js';
import { PgTransfersStore } from './store.js';
import { errorCodeOf } from '../kernel/store-error.js';
import { createTransfers } from './use-cases.js';

const json = (name: string, description: string, headers?: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema: schemaRef(name) } },
  ...(headers ? { headers } : {}),
});
const REPLAY_HEADER = { 'Idempotent-Replayed': { description: '`true` when this answer replays the first answer of the Idempotency-Key.', schema: { type: 'string', enum: ['true'] } } };
const BEARER = [{ bearer: [] }];
const ADMIN = [{ admin: [] }];
const USER_ID = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The user\'s id (also its account\'s): a canonical positive decimal integer; anything else is 404.',
  schema: { type: 'string', pattern: '^[1-9][0-9]{0,9}$', examples: ['1000'] },
} as const;
const KEY_ERRORS = {
  409: errorResponse('A request with the same Idempotency-Key is still running; this one did nothing.'),
} as const;
const UNAVAILABLE = errorResponse('The database is unreachable. Nothing is known to have happened: with an Idempotency-Key, retrying is safe.');

const TAG = {
  name: 'transfers',
  description: `Users, their tokens and transfers between them (the PicPay challenge's shape), on the same ledger.

A **user** owns one account whose id is the user's id (1000 and above; ids below 1000 are open
accounts), with \`limite\` 0: it never goes below 0. \`common\` users send and receive; \`merchant\`
users only receive. The account is served by \`/clientes/{id}/transacoes\` and
\`/clientes/{id}/extrato\` too, only with its owner's bearer token (404 for anyone else).

**A transfer** asks the authorizer first (no lock held), then ONE database transaction locks
both accounts in id order, checks the payer, writes both balances, both statement lines
(\`descricao\` names the counterpart: \`>1001\` to 1001, \`<1000\` from 1000), the transfer and the
payee's notification (under load, many transfers share one transaction and one commit, each
with its own outcome). A \`201\` is committed; a \`4xx\` moved nothing; a \`5xx\` moved nothing unless
the database died after the commit, which a retry with the same Idempotency-Key answers, also
while the authorizer refuses or is down (the stored answer is looked up first).

**Notifications** are delivered after the commit by the worker process, at least once, from the
durable queue written in the transfer's transaction: \`POST NOTIFY_URL\` with the transfer and
\`Idempotency-Key: <notification id>\` (the same on every attempt). \`204\` is delivered; anything else
is retried with exponential backoff and jitter up to NOTIFY_MAX_ATTEMPTS, then the notification is
dead: listed at \`GET /admin/notifications/dead\`, counted in \`crebitos_transfers_notifications_dead\`,
and re-queued by \`POST /admin/notifications/{id}/requeue\`.`,
} as const;

export function createTransfersModule(context: ModuleContext): Module {
  const { config, metrics, pool } = context;
  const settings = config.transfers;
  const callSize = metrics.histogram(
    'crebitos_transfers_call_transfers',
    'Transfers per database call: 1 through transfer(), more through transfer_batch() (natural batching).',
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 1000],
  );
  const store = new PgTransfersStore(
    pool,
    { callsInFlight: settings.callsInFlight, batchMax: config.batchMax, queueMax: config.queueMax },
    (size) => callSize.observe(size),
  );
  metrics.gauge('crebitos_transfers_pending_transfers', 'Transfers accepted by the store and not answered yet (queued or in a call).', () => store.pending);
  const authorizer = createAuthorizer(settings.authorizerUrl, settings.authorizerTimeoutMs, settings.authorizerConnections);
  // The hash an unknown e-mail's login is checked against, so that it costs a real scrypt.
  const dummyHash = hashPassword('no user has this password', settings.passwordScryptLogN);
  const transfers = createTransfers(store, authorizer, settings, dummyHash);
  metrics.asyncGauge('crebitos_transfers_notifications_dead', 'Notifications that exhausted NOTIFY_MAX_ATTEMPTS and wait for an operator (database-wide).', () => store.countDeadNotifications());
  const adminDigest = settings.adminToken === undefined ? undefined : createHash('sha256').update(`Bearer ${settings.adminToken}`).digest();
  /** undefined when the caller is the operator; else the code to answer. */
  const adminRefusal = (authorization: string): ErrorCode | undefined => {
    if (adminDigest === undefined) return ErrorCode.AdminDisabled;
    const given = createHash('sha256').update(authorization).digest();
    return timingSafeEqual(given, adminDigest) ? undefined : ErrorCode.Unauthenticated;
  };

  return {
    name: 'transfers',
    tag: TAG,
    schemas: TRANSFERS_SCHEMAS,
    pending: () => store.pending,
    routes: [
      {
        method: 'post',
        path: '/users',
        operation: {
          operationId: 'createUser',
          summary: 'Register a user (and open its account)',
          description:
            'Creates the user and its account (same id, limite 0, balance 0) in one transaction. The document and the e-mail ' +
            '(case-insensitive) are unique by database constraints: a second user with either is 409, also when two registrations ' +
            'race (one 201, one 409). The password is stored only as a scrypt hash and never returned.',
          parameters: [IDEMPOTENCY_KEY_PARAMETER],
          requestBody: { required: true, content: { 'application/json': { schema: schemaRef('NovoUsuario') } } },
          responses: {
            201: json('Usuario', 'Registered.', REPLAY_HEADER),
            400: errorResponse('The body is not JSON, or not an object.'),
            ...KEY_ERRORS,
            409: errorResponse('The document or the e-mail is taken (or a request with the same Idempotency-Key is still running).'),
            413: errorResponse('The body is larger than 1 KiB.'),
            422: errorResponse('A field breaks its rule (named in erro): fullName, document (CPF/CNPJ check digits), email, password, type; or the Idempotency-Key is malformed or was used with another request. Nothing written.'),
            503: UNAVAILABLE,
          },
        },
        handler(res, req, responder) {
          if (!acceptsDeclaredLength(req.getHeader('content-length'), responder)) return;
          const key = req.getHeader(IDEMPOTENCY_KEY_HEADER);
          readBody(res, responder, (body) => transfers.register(body, key, responder));
        },
      },
      {
        method: 'post',
        path: '/auth/token',
        operation: {
          operationId: 'issueToken',
          summary: 'Log in: a bearer token for e-mail and password',
          description:
            'Checks the password against its scrypt hash and issues a token of 32 random bytes (only its SHA-256 is stored) that ' +
            'expires after TOKEN_TTL_S seconds and stops working at once when the user is deleted. Wrong credentials are 401, the same ' +
            'answer (and the same work) whether the e-mail exists or not. After LOGIN_MAX_FAILURES failures for one e-mail within ' +
            'LOGIN_WINDOW_S seconds, that e-mail is answered 429 until the window ends (never a permanent lock-out).',
          requestBody: { required: true, content: { 'application/json': { schema: schemaRef('Credenciais') } } },
          responses: {
            200: json('Token', 'The token.'),
            400: errorResponse('The body is not JSON, or not an object.'),
            401: errorResponse('Wrong e-mail or password, or a deleted user.'),
            413: errorResponse('The body is larger than 1 KiB.'),
            422: errorResponse('email or password is missing or not a string.'),
            429: errorResponse('Too many failed logins for this e-mail in the current window: try again when it ends.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(res, req, responder) {
          if (!acceptsDeclaredLength(req.getHeader('content-length'), responder)) return;
          readBody(res, responder, (body) => transfers.login(body, responder));
        },
      },
      {
        method: 'get',
        path: '/users/{id}',
        operation: {
          operationId: 'getUser',
          summary: 'A user, for its own token',
          description: 'Only with that user\'s token: another user\'s token gets 404, as for a user that does not exist.',
          parameters: [USER_ID],
          security: BEARER,
          responses: {
            200: json('Usuario', 'The user.'),
            401: errorResponse('No usable bearer token (missing, unknown, expired, revoked).'),
            404: errorResponse('No such user, or not the token\'s.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(_res, req, responder) {
          transfers.findUser(req.getParameter(0), req.getHeader('authorization'), responder);
        },
      },
      {
        method: 'delete',
        path: '/users/{id}',
        operation: {
          operationId: 'deleteUser',
          summary: 'Delete a user, keeping its history',
          description:
            'Only with that user\'s token. Every transfer it took part in stays in both statements; the user can no longer log in, ' +
            'send or receive, and all its tokens stop working at the commit.',
          parameters: [USER_ID, IDEMPOTENCY_KEY_PARAMETER],
          security: BEARER,
          responses: {
            204: { description: 'Deleted.', headers: REPLAY_HEADER },
            401: errorResponse('No usable bearer token.'),
            404: errorResponse('No such user, or not the token\'s.'),
            ...KEY_ERRORS,
            422: errorResponse('The Idempotency-Key is malformed or was used with another request.'),
            503: UNAVAILABLE,
          },
        },
        handler(_res, req, responder) {
          transfers.deleteUser(req.getParameter(0), req.getHeader('authorization'), req.getHeader(IDEMPOTENCY_KEY_HEADER), responder);
        },
      },
      {
        method: 'post',
        path: '/transfer',
        operation: {
          operationId: 'transfer',
          summary: 'Move money from the payer to the payee',
          description:
            'With the payer\'s bearer token. The authorizer (AUTHORIZER_URL) is asked first, before any lock: its refusal is 403, its ' +
            'failure or silence (AUTHORIZER_TIMEOUT_MS) 503, and nothing moves. Then one database transaction locks both accounts in ' +
            'id order (opposite transfers never deadlock), checks the payer, its balance (never below 0, whatever the number of ' +
            'instances), writes both balances and both statement lines, the transfer and the payee\'s notification. Refusals move ' +
            'nothing: a merchant payer or a token not the payer\'s is 403, an unknown or deleted payer or payee 404, payer = payee ' +
            'or an insufficient balance 422.',
          parameters: [IDEMPOTENCY_KEY_PARAMETER],
          security: BEARER,
          requestBody: { required: true, content: { 'application/json': { schema: schemaRef('NovaTransferencia') } } },
          responses: {
            201: json('Transferencia', 'Committed: both balances, both statement lines and the notification.', REPLAY_HEADER),
            400: errorResponse('The body is not JSON, or not an object.'),
            401: errorResponse('No usable bearer token.'),
            403: errorResponse('The authorizer refused, the payer is a merchant, or the token is not the payer\'s. Nothing moved.'),
            404: errorResponse('The payer or the payee does not exist or was deleted. Nothing moved.'),
            ...KEY_ERRORS,
            413: errorResponse('The body is larger than 1 KiB.'),
            422: errorResponse('value, payer or payee breaks its rule, payer = payee, the balance is insufficient, or the Idempotency-Key is malformed or was used with another request. Nothing moved.'),
            503: errorResponse('The authorizer or the database is unavailable. Nothing moved, unless the database died after the commit: with an Idempotency-Key, retrying is safe.'),
          },
        },
        handler(res, req, responder) {
          if (!acceptsDeclaredLength(req.getHeader('content-length'), responder)) return;
          // Copied now: uWS's HttpRequest is gone once this handler returns.
          const authorization = req.getHeader('authorization');
          const key = req.getHeader(IDEMPOTENCY_KEY_HEADER);
          readBody(res, responder, (body) => transfers.transfer(body, authorization, key, responder));
        },
      },
      {
        method: 'get',
        path: '/admin/notifications/dead',
        operation: {
          operationId: 'deadNotifications',
          summary: 'Dead notifications (operator)',
          description:
            'The notifications that failed NOTIFY_MAX_ATTEMPTS times, oldest first. Only with `Authorization: Bearer <ADMIN_TOKEN>`; ' +
            'with ADMIN_TOKEN unset the admin routes answer 403.',
          security: ADMIN,
          responses: {
            200: json('NotificacoesMortas', 'The dead notifications.'),
            401: errorResponse('Not the operator\'s token.'),
            403: errorResponse('ADMIN_TOKEN is not set: the admin routes are off.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(_res, req, responder) {
          const refusal = adminRefusal(req.getHeader('authorization'));
          if (refusal !== undefined) return responder.fail(refusal);
          store.deadNotifications().then(
            (notifications) => responder.ok(serializeDeadNotifications({ notifications })),
            (error: unknown) => responder.fail(errorCodeOf(error)),
          );
        },
      },
      {
        method: 'post',
        path: '/admin/notifications/{id}/requeue',
        operation: {
          operationId: 'requeueNotification',
          summary: 'Re-queue a dead notification (operator)',
          description: 'Makes a dead notification due at once with a fresh attempt budget and the same id (the receiver\'s Idempotency-Key).',
          parameters: [{ name: 'id', in: 'path', required: true, description: 'The notification id.', schema: { type: 'string', format: 'uuid' } }],
          security: ADMIN,
          responses: {
            204: { description: 'Re-queued.' },
            401: errorResponse('Not the operator\'s token.'),
            403: errorResponse('ADMIN_TOKEN is not set: the admin routes are off.'),
            404: errorResponse('No dead notification has this id.'),
            503: errorResponse('The database is unreachable.'),
          },
        },
        handler(_res, req, responder) {
          const refusal = adminRefusal(req.getHeader('authorization'));
          if (refusal !== undefined) return responder.fail(refusal);
          const id = req.getParameter(0);
          if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return responder.fail(ErrorCode.NotificationNotFound);
          store.requeueNotification(id).then(
            (found) => (found ? responder.json('204 No Content', '') : responder.fail(ErrorCode.NotificationNotFound)),
            (error: unknown) => responder.fail(errorCodeOf(error)),
          );
        },
      },
    ],
  };
}
