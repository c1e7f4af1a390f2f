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
  // Idempotency keys.
  [ErrorCode.InvalidIdempotencyKey]: reply('422 Unprocessable Entity', 'Idempotency-Key deve ter de 1 a 255 caracteres ASCII imprimíveis'),
  [ErrorCode.IdempotencyKeyReused]: reply('422 Unprocessable Entity', 'Idempotency-Key já usada com outra requisição'),
  [ErrorCode.IdempotencyKeyInProgress]: reply('409 Conflict', 'requisição com esta Idempotency-Key em andamento'),
  // transfers.
  [ErrorCode.Unauthenticated]: reply('401 Unauthorized', 'token ausente, inválido ou expirado'),
  [ErrorCode.WrongCredentials]: reply('401 Unauthorized', 'credenciais inválidas'),
  [ErrorCode.TooManyLogins]: reply('429 Too Many Requests', 'muitas tentativas de login; tente mais tarde'),
  [ErrorCode.InvalidFullName]: reply('422 Unprocessable Entity', 'fullName deve ter de 1 a 200 caracteres'),
  [ErrorCode.InvalidDocument]: reply('422 Unprocessable Entity', 'document deve ser um CPF (common) ou CNPJ (merchant) válido'),
  [ErrorCode.InvalidEmail]: reply('422 Unprocessable Entity', 'email inválido'),
  [ErrorCode.InvalidPassword]: reply('422 Unprocessable Entity', 'password deve ter de 8 a 128 caracteres'),
  [ErrorCode.InvalidUserType]: reply('422 Unprocessable Entity', 'type deve ser "common" ou "merchant"'),
  [ErrorCode.DocumentTaken]: reply('409 Conflict', 'document já cadastrado'),
  [ErrorCode.EmailTaken]: reply('409 Conflict', 'email já cadastrado'),
  [ErrorCode.UserNotFound]: reply('404 Not Found', 'usuário não encontrado'),
  [ErrorCode.InvalidValue]: reply('422 Unprocessable Entity', 'value deve ser um número > 0 e <= 21474836.47 com até duas casas decimais'),
  [ErrorCode.InvalidPayer]: reply('422 Unprocessable Entity', 'payer deve ser o id de um usuário'),
  [ErrorCode.InvalidPayee]: reply('422 Unprocessable Entity', 'payee deve ser o id de um usuário'),
  [ErrorCode.SamePayerAndPayee]: reply('422 Unprocessable Entity', 'payer e payee devem ser diferentes'),
  [ErrorCode.TokenNotPayer]: reply('403 Forbidden', 'o token não é do pagador'),
  [ErrorCode.PayerIsMerchant]: reply('403 Forbidden', 'lojista não envia transferências'),
  [ErrorCode.PayerNotFound]: reply('404 Not Found', 'pagador não encontrado'),
  [ErrorCode.PayeeNotFound]: reply('404 Not Found', 'recebedor não encontrado'),
  [ErrorCode.InsufficientBalance]: reply('422 Unprocessable Entity', 'saldo insuficiente'),
  [ErrorCode.TransferRefused]: reply('403 Forbidden', 'transferência não autorizada'),
  [ErrorCode.AuthorizerUnavailable]: reply('503 Service Unavailable', 'autorizador indisponível'),
  [ErrorCode.AdminDisabled]: reply('403 Forbidden', 'rotas de administração desativadas (ADMIN_TOKEN não definido)'),
  [ErrorCode.NotificationNotFound]: reply('404 Not Found', 'notificação morta não encontrada'),
  // billing.
  [ErrorCode.UploadTooLarge]: reply('413 Payload Too Large', 'arquivo maior que o limite de upload (BILLING_UPLOAD_MAX_BYTES)'),
  [ErrorCode.UploadContentType]: reply('415 Unsupported Media Type', 'envie o CSV como multipart/form-data (campo file) ou text/csv'),
  [ErrorCode.UploadNoFile]: reply('422 Unprocessable Entity', 'o formulário multipart não tem o campo file'),
  [ErrorCode.UploadMalformed]: reply('400 Bad Request', 'corpo multipart malformado'),
  [ErrorCode.CsvHeader]: reply('422 Unprocessable Entity', 'o cabeçalho do CSV deve ser name,governmentId,email,debtAmount,debtDueDate,debtId'),
  [ErrorCode.UploadsBusy]: reply('429 Too Many Requests', 'uploads demais em andamento nesta instância; tente de novo em instantes'),
  [ErrorCode.FileNotFound]: reply('404 Not Found', 'arquivo não encontrado'),
  [ErrorCode.EventStreamsBusy]: reply('429 Too Many Requests', 'conexões de eventos demais abertas nesta instância'),
  [ErrorCode.CsvMalformed]: reply('422 Unprocessable Entity', 'CSV malformado: campo entre aspas sem fechamento (ou registro com mais de 64 KiB)'),
};

export function errorReply(code: ErrorCode): ErrorReply {
  return table[code];
}
