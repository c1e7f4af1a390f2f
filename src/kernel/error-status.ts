// The one table from error code to HTTP status and body. Bodies are serialized once, at load,
// with the same schema the OpenAPI document publishes for every error (`Erro`).
import { compileSerializer } from './serializer.js';
import { ErrorCode } from './errors.js';

export interface ErrorReply {
  readonly status: string;
  readonly body: string;
}

/** `{"erro": "<short reason>"}`: the body of every error response, of every module. */
export const ERROR_BODY_SCHEMA = {
  type: 'object',
  description: 'Every error response carries this body: a short reason, in Portuguese.',
  properties: { erro: { type: 'string', examples: ['cliente não encontrado'] } },
  required: ['erro'],
} as const;

export const serializeError = compileSerializer<{ erro: string }>(ERROR_BODY_SCHEMA);

function reply(status: string, erro: string): ErrorReply {
  return { status, body: serializeError({ erro }) };
}

const table: Record<ErrorCode, ErrorReply> = {
  [ErrorCode.MalformedJson]: reply('400 Bad Request', 'corpo não é JSON válido'),
  [ErrorCode.BodyNotObject]: reply('400 Bad Request', 'corpo deve ser um objeto JSON'),
  [ErrorCode.InvalidValor]: reply('422 Unprocessable Entity', 'valor deve ser um inteiro de 1 a 2147483647'),
  [ErrorCode.InvalidTipo]: reply('422 Unprocessable Entity', 'tipo deve ser "c" ou "d"'),
  [ErrorCode.InvalidDescricao]: reply('422 Unprocessable Entity', 'descricao deve ter de 1 a 10 caracteres'),
  [ErrorCode.BodyTooLarge]: reply('413 Payload Too Large', 'corpo maior que 1 KiB'),
  [ErrorCode.RouteNotFound]: reply('404 Not Found', 'rota não encontrada'),
  [ErrorCode.MethodNotAllowed]: reply('405 Method Not Allowed', 'método não permitido'),
  [ErrorCode.ClientNotFound]: reply('404 Not Found', 'cliente não encontrado'),
  [ErrorCode.LimitExceeded]: reply('422 Unprocessable Entity', 'limite insuficiente'),
  [ErrorCode.BalanceOverflow]: reply('422 Unprocessable Entity', 'saldo excederia o máximo'),
  [ErrorCode.InvalidIspb]: reply('400 Bad Request', 'ispb deve ter 8 dígitos'),
  [ErrorCode.InvalidMessageCount]: reply('400 Bad Request', 'número de mensagens deve ser de 1 a 10000'),
  [ErrorCode.StreamNotFound]: reply('404 Not Found', 'stream não encontrado'),
  [ErrorCode.StreamLimit]: reply('429 Too Many Requests', 'limite de streams do ispb atingido'),
  [ErrorCode.DatabaseUnavailable]: reply('503 Service Unavailable', 'banco de dados indisponível'),
  [ErrorCode.Overloaded]: reply('503 Service Unavailable', 'sobrecarregado'),
  [ErrorCode.Internal]: reply('500 Internal Server Error', 'erro interno'),
};

export function errorReply(code: ErrorCode): ErrorReply {
  return table[code];
}
