// The transfers module's response shapes, defined once: fast-json-stringify compiles each at
// load, and the OpenAPI document publishes the same objects under components.schemas.
import { compileSerializer } from '../kernel/serializer.js';

export interface UserView {
  id: number;
  fullName: string;
  document: string;
  email: string;
  type: string;
  createdAt: string;
}

export interface TokenView {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

export interface TransferView {
  id: number;
  payer: number;
  payee: number;
  /** Reais: cents / 100, written by the serializer as the shortest exact decimal. */
  value: number;
  createdAt: string;
}

export interface DeadNotificationView {
  id: string;
  transferId: number;
  payee: number;
  attempts: number;
  lastError: string | null;
  deadAt: string;
}

const UTC_MICROS = 'UTC, ISO 8601 with microseconds, ending in Z.';

export const REGISTRATION_REQUEST_SCHEMA = {
  type: 'object',
  description:
    'A new user. `document` is a CPF (11 digits) for `common`, a CNPJ (14 digits) for `merchant`; punctuation (`.`, `-`, `/`) ' +
    'is allowed and stripped, and the check digits are verified. `email` is compared case-insensitively. Unknown fields are ignored.',
  properties: {
    fullName: { type: 'string', minLength: 1, maxLength: 200 },
    document: { type: 'string', examples: ['529.982.247-25'] },
    email: { type: 'string', format: 'email', maxLength: 254 },
    password: { type: 'string', minLength: 8, maxLength: 128, description: 'Kept only as a scrypt hash.' },
    type: { type: 'string', enum: ['common', 'merchant'], description: '`merchant` only receives money.' },
  },
  required: ['fullName', 'document', 'email', 'password', 'type'],
  examples: [{ fullName: 'Ana Souza', document: '529.982.247-25', email: 'ana@example.com', password: 'uma senha longa', type: 'common' }],
} as const;

export const CREDENTIALS_REQUEST_SCHEMA = {
  type: 'object',
  properties: { email: { type: 'string' }, password: { type: 'string' } },
  required: ['email', 'password'],
  examples: [{ email: 'ana@example.com', password: 'uma senha longa' }],
} as const;

export const TRANSFER_REQUEST_SCHEMA = {
  type: 'object',
  description:
    'Reais as a JSON number with at most two decimals, > 0 and <= 21474836.47, read from its text into integer cents (never ' +
    'through binary floating point): `100.5` is 10050 cents; `1e2`, `0.001`, `"10"` are refused with 422.',
  properties: {
    value: { type: 'number', exclusiveMinimum: 0, maximum: 21474836.47, multipleOf: 0.01 },
    payer: { type: 'integer', minimum: 1, description: 'The user sending: the bearer token must be theirs.' },
    payee: { type: 'integer', minimum: 1, description: 'The user receiving (not the payer).' },
  },
  required: ['value', 'payer', 'payee'],
  examples: [{ value: 100.0, payer: 1000, payee: 1001 }],
} as const;

export const USER_SCHEMA = {
  type: 'object',
  description: 'A user, never with its password or its hash. Its account (same id) is served by /clientes/{id}/* with its token.',
  properties: {
    id: { type: 'integer', minimum: 1000, description: 'The user\'s id, also its account\'s id (limite 0).' },
    fullName: { type: 'string' },
    document: { type: 'string', pattern: '^([0-9]{11}|[0-9]{14})$', description: 'Digits only.' },
    email: { type: 'string', description: 'As registered.' },
    type: { type: 'string', enum: ['common', 'merchant'] },
    createdAt: { type: 'string', format: 'date-time', description: UTC_MICROS },
  },
  required: ['id', 'fullName', 'document', 'email', 'type', 'createdAt'],
} as const;

export const TOKEN_SCHEMA = {
  type: 'object',
  properties: {
    access_token: { type: 'string', description: '32 random bytes, base64url (43 characters). Only its SHA-256 is stored.' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer', minimum: 1, description: 'Seconds until it expires (TOKEN_TTL_S).' },
  },
  required: ['access_token', 'token_type', 'expires_in'],
} as const;

export const TRANSFER_SCHEMA = {
  type: 'object',
  description: 'A committed transfer: both balances, both statement lines and the payee\'s notification are in the same commit.',
  properties: {
    id: { type: 'integer', minimum: 1 },
    payer: { type: 'integer' },
    payee: { type: 'integer' },
    value: { type: 'number', description: 'Reais, exactly the cents moved / 100.' },
    createdAt: { type: 'string', format: 'date-time', description: UTC_MICROS },
  },
  required: ['id', 'payer', 'payee', 'value', 'createdAt'],
} as const;

export const DEAD_NOTIFICATIONS_SCHEMA = {
  type: 'object',
  properties: {
    notifications: {
      type: 'array',
      description: 'Dead notifications, oldest first (at most 1000).',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid', description: 'The notification id: the Idempotency-Key of every attempt.' },
          transferId: { type: 'integer' },
          payee: { type: 'integer' },
          attempts: { type: 'integer' },
          lastError: { type: ['string', 'null'] },
          deadAt: { type: 'string', format: 'date-time' },
        },
        required: ['id', 'transferId', 'payee', 'attempts', 'lastError', 'deadAt'],
      },
    },
  },
  required: ['notifications'],
} as const;

export const serializeUser = compileSerializer<UserView>(USER_SCHEMA);
export const serializeToken = compileSerializer<TokenView>(TOKEN_SCHEMA);
export const serializeTransfer = compileSerializer<TransferView>(TRANSFER_SCHEMA);
export const serializeDeadNotifications = compileSerializer<{ notifications: DeadNotificationView[] }>(DEAD_NOTIFICATIONS_SCHEMA);

/** components.schemas of the transfers module. */
export const TRANSFERS_SCHEMAS = {
  NovoUsuario: REGISTRATION_REQUEST_SCHEMA,
  Credenciais: CREDENTIALS_REQUEST_SCHEMA,
  NovaTransferencia: TRANSFER_REQUEST_SCHEMA,
  Usuario: USER_SCHEMA,
  Token: TOKEN_SCHEMA,
  Transferencia: TRANSFER_SCHEMA,
  NotificacoesMortas: DEAD_NOTIFICATIONS_SCHEMA,
} as const;
