// The requests of the official simulation, pre-rendered as raw HTTP/1.1 text. Headers are fixed
// per client id, so building a request is one string concatenation on the send path.

import type { LoadGroupName } from './schedule.js';

/** The five clients of the contract and their limits; client 6 must not exist. */
export const CLIENTS: ReadonlyArray<{ readonly id: number; readonly limite: number }> = [
  { id: 1, limite: 100000 },
  { id: 2, limite: 80000 },
  { id: 3, limite: 1000000 },
  { id: 4, limite: 10000000 },
  { id: 5, limite: 500000 },
];

const USER_AGENT = 'Agente do Caos - 2024/Q1';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export class RequestTemplates {
  private readonly postHead: string[] = [];
  private readonly statements: string[] = [];
  /** Random 10-character descriptions (Gatling's `Random.alphanumeric.take(10)`), drawn from a pool. */
  private readonly descriptions: string[] = [];

  constructor(
    readonly hostHeader: string,
    private readonly random: () => number = Math.random,
  ) {
    for (let id = 0; id <= 6; id++) {
      this.postHead.push(this.renderPostHead(id));
      this.statements.push(this.renderStatement(id));
    }
    for (let i = 0; i < 1024; i++) {
      let d = '';
      for (let j = 0; j < 10; j++) d += ALPHANUMERIC[Math.floor(this.random() * ALPHANUMERIC.length)];
      this.descriptions.push(d);
    }
  }

  /** POST /clientes/{id}/transacoes with an arbitrary (ASCII or UTF-8) JSON body. */
  transaction(clientId: number, body: string): string {
    const head = clientId >= 0 && clientId <= 6 ? this.postHead[clientId]! : this.renderPostHead(clientId);
    // Content-Length counts bytes; the load bodies are ASCII, validation bodies may not be.
    return head + Buffer.byteLength(body, 'utf8') + '\r\n\r\n' + body;
  }

  /** GET /clientes/{id}/extrato. */
  statement(clientId: number): string {
    return clientId >= 0 && clientId <= 6 ? this.statements[clientId]! : this.renderStatement(clientId);
  }

  /** A request of one load group with the official random payload. */
  randomRequest(group: LoadGroupName): string {
    const clientId = 1 + Math.floor(this.random() * 5);
    if (group === 'extratos') return this.statement(clientId);
    const valor = 1 + Math.floor(this.random() * 10000);
    const descricao = this.descriptions[Math.floor(this.random() * this.descriptions.length)]!;
    const tipo = group === 'débitos' ? 'd' : 'c';
    return this.transaction(clientId, transactionBody(valor, tipo, descricao));
  }

  private renderPostHead(clientId: number): string {
    return (
      `POST /clientes/${clientId}/transacoes HTTP/1.1\r\n` +
      `Host: ${this.hostHeader}\r\nUser-Agent: ${USER_AGENT}\r\n` +
      'Content-Type: application/json\r\nConnection: close\r\nContent-Length: '
    );
  }

  private renderStatement(clientId: number): string {
    return (
      `GET /clientes/${clientId}/extrato HTTP/1.1\r\n` +
      `Host: ${this.hostHeader}\r\nUser-Agent: ${USER_AGENT}\r\nConnection: close\r\n\r\n`
    );
  }
}

/** The payload text exactly as the official simulation formats it. */
export function transactionBody(valor: number | string, tipo: string, descricao: string): string {
  return `{"valor": ${valor}, "tipo": "${tipo}", "descricao": "${descricao}"}`;
}
