// The pix module's shapes, defined once. A message is rendered to JSON by Postgres when it is
// created (sql/functions/pix/pix_generate_messages.sql: numeric keeps valor's two decimals, 100.00,
// which a JavaScript number would print as 100) and sent as stored; MESSAGE_SCHEMA is what that
// JSON is (the tests validate every delivered message against it, as served by /openapi.json).
// The small bodies the service writes itself are compiled with fast-json-stringify.
import { compileSerializer } from '../kernel/serializer.js';

const PARTY = {
  type: 'object',
  properties: {
    nome: { type: 'string' },
    cpfCnpj: { type: 'string', pattern: '^[0-9]{11}([0-9]{3})?$', description: 'CPF (11 digits) or CNPJ (14 digits).' },
    ispb: { type: 'string', pattern: '^[0-9]{8}$' },
    agencia: { type: 'string', pattern: '^[0-9]{1,4}$' },
    contaTransacional: { type: 'string', pattern: '^[0-9]{1,20}$' },
    tipoConta: { type: 'string', enum: ['CACC', 'SVGS'] },
  },
  required: ['nome', 'cpfCnpj', 'ispb', 'agencia', 'contaTransacional', 'tipoConta'],
} as const;

export const MESSAGE_SCHEMA = {
  type: 'object',
  description:
    'A Pix message addressed to the ISPB of the path (`recebedor.ispb`). `valor` is a number written with two decimals ' +
    '(`100.00`); `dataHoraPagamento` is UTC, ISO 8601 with milliseconds.',
  properties: {
    endToEndId: {
      type: 'string',
      pattern: '^E[0-9]{8}[0-9]{12}[0-9A-Za-z]{11}$',
      description: '32 characters: `E`, the payer\'s ISPB, yyyyMMddHHmm (UTC), 11 alphanumerics. Unique.',
    },
    valor: { type: 'number', exclusiveMinimum: 0, description: 'In reais, with two decimals (cents).' },
    pagador: PARTY,
    recebedor: PARTY,
    campoLivre: { type: 'string' },
    txId: { type: 'string' },
    dataHoraPagamento: { type: 'string', format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$' },
  },
  required: ['endToEndId', 'valor', 'pagador', 'recebedor', 'campoLivre', 'txId', 'dataHoraPagamento'],
  examples: [
    {
      endToEndId: 'E1234567820261201234500000000A1F',
      valor: 150.2,
      pagador: { nome: 'Ana Souza', cpfCnpj: '12345678901', ispb: '12345678', agencia: '0001', contaTransacional: '1234567', tipoConta: 'CACC' },
      recebedor: { nome: 'Bruno Lima', cpfCnpj: '12345678000199', ispb: '32074986', agencia: '0042', contaTransacional: '7654321', tipoConta: 'SVGS' },
      campoLivre: '',
      txId: 'TX0F3A9C5E1B7D2468ACE13579BDF02468',
      dataHoraPagamento: '2026-12-01T23:45:12.345Z',
    },
  ],
} as const;

export const MESSAGE_LIST_SCHEMA = {
  type: 'array',
  description: 'Up to 10 messages (`Accept: multipart/json`), oldest first.',
  minItems: 1,
  maxItems: 10,
  items: { $ref: '#/components/schemas/MensagemPix' },
} as const;

export const GENERATED_SCHEMA = {
  type: 'object',
  description: 'How many messages were created (and committed) for the ISPB.',
  properties: { criadas: { type: 'integer', minimum: 1, maximum: 10000 } },
  required: ['criadas'],
  examples: [{ criadas: 100 }],
} as const;

export const CLOSED_SCHEMA = {
  type: 'object',
  description: 'Always `{}`: the stream is closed and what it received is acknowledged.',
  properties: {},
  additionalProperties: false,
} as const;

export const serializeGenerated = compileSerializer<{ criadas: number }>(GENERATED_SCHEMA);
export const CLOSED_BODY = compileSerializer<Record<string, never>>(CLOSED_SCHEMA)({});

/** components.schemas of pix. */
export const PIX_SCHEMAS = {
  MensagemPix: MESSAGE_SCHEMA,
  MensagensPix: MESSAGE_LIST_SCHEMA,
  MensagensCriadas: GENERATED_SCHEMA,
  StreamEncerrado: CLOSED_SCHEMA,
} as const;
