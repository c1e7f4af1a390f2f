// One table maps every error code to a status and a small JSON body {"erro": "..."}.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../../src/kernel/errors.js';
import { errorReply } from '../../../src/kernel/error-status.js';

const expected: Record<keyof typeof ErrorCode, number> = {
  MalformedJson: 400,
  BodyNotObject: 400,
  InvalidValor: 422,
  InvalidTipo: 422,
  InvalidDescricao: 422,
  BodyTooLarge: 413,
  RouteNotFound: 404,
  MethodNotAllowed: 405,
  ClientNotFound: 404,
  LimitExceeded: 422,
  BalanceOverflow: 422,
  InvalidIspb: 400,
  InvalidMessageCount: 400,
  StreamNotFound: 404,
  StreamLimit: 429,
  DatabaseUnavailable: 503,
  Overloaded: 503,
  Internal: 500,
  InvalidIdempotencyKey: 422,
  IdempotencyKeyReused: 422,
  IdempotencyKeyInProgress: 409,
  Unauthenticated: 401,
  WrongCredentials: 401,
  TooManyLogins: 429,
  InvalidFullName: 422,
  InvalidDocument: 422,
  InvalidEmail: 422,
  InvalidPassword: 422,
  InvalidUserType: 422,
  DocumentTaken: 409,
  EmailTaken: 409,
  UserNotFound: 404,
  InvalidValue: 422,
  InvalidPayer: 422,
  InvalidPayee: 422,
  SamePayerAndPayee: 422,
  TokenNotPayer: 403,
  PayerIsMerchant: 403,
  PayerNotFound: 404,
  PayeeNotFound: 404,
  InsufficientBalance: 422,
  TransferRefused: 403,
  AuthorizerUnavailable: 503,
  AdminDisabled: 403,
  NotificationNotFound: 404,
  UploadTooLarge: 413,
  UploadContentType: 415,
  UploadNoFile: 422,
  UploadMalformed: 400,
  CsvHeader: 422,
  UploadsBusy: 429,
  FileNotFound: 404,
  EventStreamsBusy: 429,
  CsvMalformed: 422,
};

test('every error code has the status the contract names and a small JSON body', () => {
  for (const [name, code] of Object.entries(ErrorCode)) {
    const reply = errorReply(code);
    assert.equal(Number(reply.status.slice(0, 3)), expected[name as keyof typeof ErrorCode], name);
    const body = JSON.parse(reply.body);
    assert.deepEqual(Object.keys(body), ['erro'], name);
    assert.ok(typeof body.erro === 'string' && body.erro.length > 0 && reply.body.length < 100, name);
  }
});

test('database trouble is never answered as a client error', () => {
  assert.equal(errorReply(ErrorCode.DatabaseUnavailable).status.slice(0, 1), '5');
  assert.equal(errorReply(ErrorCode.Internal).status.slice(0, 1), '5');
});
