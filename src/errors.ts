// Every way a request can fail, as a closed set of codes. No HTTP knowledge here: the edge maps
// each code to a status in exactly one place (http/status.ts).

export const ErrorCode = {
  // The client sent something we refuse.
  MalformedJson: 1,
  BodyNotObject: 2,
  InvalidValor: 3,
  InvalidTipo: 4,
  InvalidDescricao: 5,
  BodyTooLarge: 6,
  RouteNotFound: 7,
  MethodNotAllowed: 8,
  // Business outcomes.
  ClientNotFound: 9,
  LimitExceeded: 10,
  BalanceOverflow: 11,
  // Our side.
  DatabaseUnavailable: 12,
  Overloaded: 13,
  Internal: 14,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
