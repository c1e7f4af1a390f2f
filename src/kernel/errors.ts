// Every way a request can fail, as one closed set of codes, grouped by the module that raises
// them. No HTTP knowledge here: kernel/error-status.ts maps each code to a status, in one table.

export const ErrorCode = {
  // The edge: the request itself is unusable, whatever the route.
  MalformedJson: 1,
  BodyNotObject: 2,
  BodyTooLarge: 6,
  RouteNotFound: 7,
  MethodNotAllowed: 8,
  // ledger: a credit/debit or a statement refused.
  InvalidValor: 3,
  InvalidTipo: 4,
  InvalidDescricao: 5,
  ClientNotFound: 9,
  LimitExceeded: 10,
  BalanceOverflow: 11,
  // pix: a Pix message stream refused (spec part E).
  InvalidIspb: 50,
  InvalidMessageCount: 51,
  StreamNotFound: 52,
  StreamLimit: 53,
  // Our side, or a dependency's: never the client's fault.
  DatabaseUnavailable: 12,
  Overloaded: 13,
  Internal: 14,
  // Idempotency keys (part G), on every module's POST and DELETE.
  InvalidIdempotencyKey: 15,
  IdempotencyKeyReused: 16,
  IdempotencyKeyInProgress: 17,
  // transfers: users, tokens, POST /transfer, the admin routes.
  Unauthenticated: 20,
  WrongCredentials: 21,
  TooManyLogins: 22,
  InvalidFullName: 23,
  InvalidDocument: 24,
  InvalidEmail: 25,
  InvalidPassword: 26,
  InvalidUserType: 27,
  DocumentTaken: 28,
  EmailTaken: 29,
  UserNotFound: 30,
  InvalidValue: 31,
  InvalidPayer: 32,
  InvalidPayee: 33,
  SamePayerAndPayee: 34,
  TokenNotPayer: 35,
  PayerIsMerchant: 36,
  PayerNotFound: 37,
  PayeeNotFound: 38,
  InsufficientBalance: 39,
  TransferRefused: 40,
  AuthorizerUnavailable: 41,
  AdminDisabled: 42,
  NotificationNotFound: 43,
  // billing: CSV uploads and their files (spec part F).
  UploadTooLarge: 60,
  UploadContentType: 61,
  UploadNoFile: 62,
  UploadMalformed: 63,
  CsvHeader: 64,
  UploadsBusy: 65,
  FileNotFound: 66,
  EventStreamsBusy: 67,
  CsvMalformed: 68,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
