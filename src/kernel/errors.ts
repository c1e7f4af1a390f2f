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
  InvalidIspb: 15,
  InvalidMessageCount: 16,
  StreamNotFound: 17,
  StreamLimit: 18,
  // Our side, or a dependency's: never the client's fault.
  DatabaseUnavailable: 12,
  Overloaded: 13,
  Internal: 14,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
