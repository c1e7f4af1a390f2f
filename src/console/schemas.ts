// The console's shapes, defined once: the data of the ledger feed's `snapshot` events (rendered
// by Postgres, store-sql.ts; test/console/integration checks the rendering against this schema).

const CENTS = { type: 'integer', description: 'In cents (centavos), like every amount of the ledger.' } as const;
const TIME = { type: 'string', format: 'date-time' } as const;

export const LEDGER_SNAPSHOT_SCHEMA = {
  type: 'object',
  description:
    'What the live ledger view shows, read in one statement (one database snapshot). Only open accounts (ids below 1000) ' +
    'are listed with their transactions: a user\'s account is private to its token, so transfers appear as totals and ' +
    'amounts, without who paid whom.',
  properties: {
    takenAt: { ...TIME, description: 'When the database took the snapshot (UTC).' },
    accounts: {
      type: 'array',
      description: 'The open accounts, by id (at most 50).',
      items: {
        type: 'object',
        properties: { id: { type: 'integer' }, limite: CENTS, saldo: CENTS },
        required: ['id', 'limite', 'saldo'],
      },
    },
    transactions: {
      type: 'array',
      description: 'The 10 newest transactions of the open accounts, newest first.',
      items: {
        type: 'object',
        properties: {
          clienteId: { type: 'integer' },
          valor: CENTS,
          tipo: { type: 'string', enum: ['c', 'd'] },
          descricao: { type: 'string' },
          realizadaEm: TIME,
        },
        required: ['clienteId', 'valor', 'tipo', 'descricao', 'realizadaEm'],
      },
    },
    transfers: {
      type: 'object',
      properties: {
        count: { type: 'integer', description: 'Transfers made.' },
        totalValue: { ...CENTS, description: 'Their total, in cents.' },
        pendingNotifications: { type: 'integer', description: 'Payee notifications not delivered yet.' },
        deadNotifications: { type: 'integer', description: 'Notifications that used up their attempts (GET /admin/notifications/dead).' },
        newest: {
          type: 'array',
          description: 'The 5 newest transfers, newest first.',
          items: {
            type: 'object',
            properties: { id: { type: 'integer' }, value: CENTS, createdAt: TIME },
            required: ['id', 'value', 'createdAt'],
          },
        },
      },
      required: ['count', 'totalValue', 'pendingNotifications', 'deadNotifications', 'newest'],
    },
    pix: {
      type: 'object',
      properties: {
        openStreams: { type: 'integer', description: 'Pix message streams open now.' },
        receiversStreaming: { type: 'integer', description: 'Receiving institutions (ISPBs) with a stream open.' },
        availableMessages: { type: 'integer', description: 'Messages waiting for a stream to pull them.' },
        unacknowledgedMessages: { type: 'integer', description: 'Messages received by a stream and not acknowledged yet.' },
      },
      required: ['openStreams', 'receiversStreaming', 'availableMessages', 'unacknowledgedMessages'],
    },
  },
  required: ['takenAt', 'accounts', 'transactions', 'transfers', 'pix'],
} as const;

export const CONSOLE_SCHEMAS = { ConsoleLedgerSnapshot: LEDGER_SNAPSHOT_SCHEMA } as const;
