// The validation phase of the official simulation, run before the load:
//   1. 25 concurrent debits of 1 on client 1, then its statement must show -25; 25 concurrent
//      credits of 1, then 0.
//   2. For the five clients at once (and, alongside, client 6's statement must be a 404):
//      statement shows limite and 0; credit "toma" and debit "devolve" get 200; the statement
//      lists "devolve" then "toma"; a credit "danada" is followed by 4 concurrent statements that
//      must list it first with exactly the balance it returned; five invalid payloads get 422/400.
// Each request's checks run in order and the first failure is its reason, as in Gatling. A
// failure of a balance check is also an official inconsistency (see score.ts).

import { performance } from 'node:perf_hooks';
import { asCheckText, balanceWithinLimit, parseJson, readPath } from './checks.js';
import type { Completion, OneShotClient } from './http-client.js';
import { OutcomeCode } from './outcome.js';
import { logFromEntries, type RequestLog } from './recorder.js';
import { CLIENTS, transactionBody, type RequestTemplates } from './scenarios.js';

export interface ValidationReply {
  status: number;
  body: Buffer;
  error: string | null;
  startMs: number;
  latencyMs: number;
}

/** One validation request and the verdict of its checks. */
export interface CheckResult {
  step: string;
  clientId: number | null;
  passed: boolean;
  /** What was checked, or why it failed. */
  detail: string;
  /** The failed check is a balance check: counted as an inconsistency by the official scoring. */
  officialInconsistency: boolean;
  status: number;
  latencyMs: number;
}

export interface ValidationResult {
  checks: CheckResult[];
  log: RequestLog;
  failures: number;
  officialInconsistencies: number;
  durationMs: number;
}

/** A check reads the reply and returns null when it holds, else the reason it does not. */
interface Check {
  readonly describe: string;
  /** Balance checks: the official script counts their failures as inconsistencies. */
  readonly balance?: boolean;
  readonly test: (reply: ValidationReply, json: () => unknown) => string | null;
}

const statusIn = (...codes: number[]): Check => ({
  describe: `status in (${codes.join(', ')})`,
  test: (r) => (codes.includes(r.status) ? null : `expected status ${codes.join(' or ')}, got ${r.status}`),
});

/** Gatling adds this status check to requests that declare none. */
const DEFAULT_STATUS: Check = {
  describe: 'status 2xx/304',
  test: (r) => ((r.status >= 200 && r.status <= 209) || r.status === 304 ? null : `expected a 2xx status, got ${r.status}`),
};

const pathIs = (path: string, expected: () => string | number | null, balance = false): Check => ({
  describe: `${path} is ${String(expected())}`,
  balance,
  test: (_r, json) => {
    const want = expected();
    if (want === null) return `${path}: nothing to compare with (an earlier request failed)`;
    const got = asCheckText(readPath(json(), path));
    return got === String(want) ? null : `${path}: expected ${String(want)}, got ${got ?? 'nothing'}`;
  },
});

const present = (path: string): Check => ({
  describe: `${path} present`,
  test: (_r, json) => (asCheckText(readPath(json(), path)) === null ? `${path}: missing` : null),
});

/** The official `ConsistenciaSaldoLimite` validator on a transaction reply. */
const saldoWithinLimite: Check = {
  describe: 'saldo >= -limite',
  balance: true,
  test: (_r, json) => {
    const saldo = readPath(json(), 'saldo');
    const limite = readPath(json(), 'limite');
    return balanceWithinLimit(saldo, limite) ? null : `saldo ${asCheckText(saldo)} below -limite ${asCheckText(limite)}`;
  },
};

function evaluate(step: string, clientId: number | null, reply: ValidationReply, checks: readonly Check[]): CheckResult {
  const base = { step, clientId, status: reply.status, latencyMs: reply.latencyMs };
  if (reply.error !== null) {
    return { ...base, passed: false, detail: `no response: ${reply.error}`, officialInconsistency: false };
  }
  let parsed: unknown;
  let isParsed = false;
  const json = (): unknown => {
    if (!isParsed) {
      parsed = parseJson(reply.body);
      isParsed = true;
    }
    return parsed;
  };
  for (const check of checks) {
    const failure = check.test(reply, json);
    if (failure !== null) return { ...base, passed: false, detail: failure, officialInconsistency: check.balance === true };
  }
  return { ...base, passed: true, detail: checks.map((c) => c.describe).join('; '), officialInconsistency: false };
}

export function call(client: OneShotClient, request: string): Promise<ValidationReply> {
  return new Promise((resolve) => {
    const onDone = (_tag: number, c: Completion): void => {
      resolve({ status: c.status, body: c.body, error: c.error, startMs: c.startMs, latencyMs: c.endMs - c.startMs });
    };
    const retry = (): void => {
      if (!client.send(request, 0, onDone)) setTimeout(retry, 10);
    };
    retry();
  });
}

/**
 * Runs the validation phase within `budgetMs`: past it, outstanding requests are aborted and the
 * remaining steps fail without being sent, so a server that hangs cannot stall the run.
 */
export async function runValidation(client: OneShotClient, templates: RequestTemplates, budgetMs: number): Promise<ValidationResult> {
  const t0 = performance.now();
  const checks: CheckResult[] = [];
  const entries: Array<{ schedMs: number; latencyMs: number; status: number; outcome: OutcomeCode }> = [];
  let expired = false;
  const deadline = setTimeout(() => {
    expired = true;
    client.abortAll('ABORTED');
  }, budgetMs);

  const record = (result: CheckResult, reply: ValidationReply): CheckResult => {
    checks.push(result);
    entries.push({ schedMs: reply.startMs - t0, latencyMs: reply.latencyMs, status: reply.status, outcome: outcomeOf(result, reply) });
    return result;
  };
  const run = async (step: string, clientId: number | null, request: string, list: readonly Check[]): Promise<{ result: CheckResult; reply: ValidationReply }> => {
    if (expired) {
      // Not sent, so not counted as a request; still a failed check.
      const reply: ValidationReply = { status: 0, body: Buffer.alloc(0), error: 'NOT SENT (validation deadline passed)', startMs: performance.now(), latencyMs: NaN };
      const result = evaluate(step, clientId, reply, list);
      checks.push(result);
      return { result, reply };
    }
    const reply = await call(client, request);
    return { result: record(evaluate(step, clientId, reply, list), reply), reply };
  };
  const post = (clientId: number, valor: number | string, tipo: string, descricao: string): string =>
    templates.transaction(clientId, transactionBody(valor, tipo, descricao));

  // 1. Concurrency on one client.
  const concurrent = 25;
  await Promise.all(
    Array.from({ length: concurrent }, () => run(`${concurrent} concurrent debits of 1 on client 1`, 1, post(1, 1, 'd', 'validacao'), [statusIn(200)])),
  );
  await run('statement after the concurrent debits', 1, templates.statement(1), [DEFAULT_STATUS, pathIs('saldo.total', () => -concurrent, true)]);
  await Promise.all(
    Array.from({ length: concurrent }, () => run(`${concurrent} concurrent credits of 1 on client 1`, 1, post(1, 1, 'c', 'validacao'), [statusIn(200)])),
  );
  await run('statement after the concurrent credits', 1, templates.statement(1), [DEFAULT_STATUS, pathIs('saldo.total', () => 0, true)]);

  // 2. Per-client criteria for the five clients at once, and the unknown client.
  const perClient = async (id: number, limite: number): Promise<void> => {
    await run('initial statement', id, templates.statement(id), [
      statusIn(200),
      pathIs('saldo.limite', () => limite),
      pathIs('saldo.total', () => 0, true),
    ]);
    const transactionChecks = [statusIn(200), present('limite'), saldoWithinLimite, pathIs('limite', () => limite)];
    await run('credit 1 "toma"', id, post(id, 1, 'c', 'toma'), transactionChecks);
    await run('debit 1 "devolve"', id, post(id, 1, 'd', 'devolve'), transactionChecks);
    await run('statement lists "devolve" then "toma"', id, templates.statement(id), [
      DEFAULT_STATUS,
      pathIs('ultimas_transacoes[0].descricao', () => 'devolve'),
      pathIs('ultimas_transacoes[0].tipo', () => 'd'),
      pathIs('ultimas_transacoes[0].valor', () => 1),
      pathIs('ultimas_transacoes[1].descricao', () => 'toma'),
      pathIs('ultimas_transacoes[1].tipo', () => 'c'),
      pathIs('ultimas_transacoes[1].valor', () => 1),
    ]);
    const danada = await run('credit 1 "danada"', id, post(id, 1, 'c', 'danada'), [statusIn(200), present('saldo'), present('limite')]);
    const danadaJson = danada.result.passed ? parseJson(danada.reply.body) : undefined;
    const saved = (path: string) => (): string | null => asCheckText(readPath(danadaJson, path));
    await Promise.all(
      Array.from({ length: 4 }, () =>
        run('concurrent statement shows "danada" and its balance', id, templates.statement(id), [
          DEFAULT_STATUS,
          pathIs('ultimas_transacoes[0].descricao', () => 'danada'),
          pathIs('ultimas_transacoes[0].tipo', () => 'c'),
          pathIs('ultimas_transacoes[0].valor', () => 1),
          pathIs('saldo.limite', saved('limite')),
          pathIs('saldo.total', saved('saldo'), true),
        ]),
      ),
    );
    const invalid: Array<[string, string]> = [
      ['valor 1.2', transactionBody('1.2', 'd', 'devolve')],
      ['tipo "x"', transactionBody(1, 'x', 'devolve')],
      ['25-character descricao', transactionBody(1, 'c', '123456789 e mais um pouco')],
      ['empty descricao', transactionBody(1, 'c', '')],
      ['descricao null', '{"valor": 1, "tipo": "c", "descricao": null}'],
    ];
    for (const [what, body] of invalid) {
      await run(`invalid payload (${what}) is refused`, id, templates.transaction(id, body), [statusIn(422, 400)]);
    }
  };
  await Promise.all([
    ...CLIENTS.map((c) => perClient(c.id, c.limite)),
    run('unknown client 6', 6, templates.statement(6), [statusIn(404)]),
  ]);

  clearTimeout(deadline);
  const failures = checks.filter((c) => !c.passed).length;
  const officialInconsistencies = checks.filter((c) => c.officialInconsistency).length;
  return {
    checks,
    log: logFromEntries('validações', entries),
    failures,
    officialInconsistencies,
    durationMs: performance.now() - t0,
  };
}

function outcomeOf(result: CheckResult, reply: ValidationReply): OutcomeCode {
  if (result.passed) return OutcomeCode.OK;
  if (reply.error === 'TIMEOUT') return OutcomeCode.TIMEOUT;
  if (reply.error === 'ABORTED') return OutcomeCode.ABORTED;
  if (reply.error !== null) return OutcomeCode.CONN_ERROR;
  return result.officialInconsistency ? OutcomeCode.INCONSISTENT : OutcomeCode.CHECK_FAILED;
}
