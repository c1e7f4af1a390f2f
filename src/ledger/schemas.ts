// Response serializers, compiled once at load from JSON schemas (fast-json-stringify).
import fastJson from 'fast-json-stringify';

export interface TransactionResult {
  limite: number;
  saldo: number;
}

export interface StatementEntry {
  valor: number;
  tipo: string;
  descricao: string;
  realizada_em: string;
}

export interface Statement {
  saldo: { total: number; data_extrato: string; limite: number };
  ultimas_transacoes: StatementEntry[];
}

export const serializeTransactionResult = fastJson({
  type: 'object',
  properties: { limite: { type: 'integer' }, saldo: { type: 'integer' } },
  required: ['limite', 'saldo'],
}) as (result: TransactionResult) => string;

export const serializeStatement = fastJson({
  type: 'object',
  properties: {
    saldo: {
      type: 'object',
      properties: {
        total: { type: 'integer' },
        data_extrato: { type: 'string' },
        limite: { type: 'integer' },
      },
      required: ['total', 'data_extrato', 'limite'],
    },
    ultimas_transacoes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          valor: { type: 'integer' },
          tipo: { type: 'string' },
          descricao: { type: 'string' },
          realizada_em: { type: 'string' },
        },
        required: ['valor', 'tipo', 'descricao', 'realizada_em'],
      },
    },
  },
  required: ['saldo', 'ultimas_transacoes'],
}) as (statement: Statement) => string;

export const serializeError = fastJson({
  type: 'object',
  properties: { erro: { type: 'string' } },
  required: ['erro'],
}) as (error: { erro: string }) => string;
