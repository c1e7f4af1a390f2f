// The one table from error code to HTTP status and body. Bodies are serialized once, at load.
import { ErrorCode } from '../errors.js';
import { serializeError } from '../ledger/schemas.js';

export interface ErrorReply {
  readonly status: string;
  readonly body: string;
}

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
  [ErrorCode.DatabaseUnavailable]: reply('503 Service Unavailable', 'banco de dados indisponível'),
  [ErrorCode.Overloaded]: reply('503 Service Unavailable', 'sobrecarregado'),
  [ErrorCode.Internal]: reply('500 Internal Server Error', 'erro interno'),
};

export function errorReply(code: ErrorCode): ErrorReply {
  return table[code];
}
