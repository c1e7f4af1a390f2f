// The OpenAPI document of every module, composed exactly as an instance composes it, without a
// database: module factories open no connection, so a pool that points nowhere is enough.
import { loadConfig, MODULE_NAMES } from '../../src/config.js';
import { EdgeState } from '../../src/kernel/edge-state.js';
import { Metrics } from '../../src/kernel/metrics.js';
import type { Module } from '../../src/kernel/module.js';
import { buildOpenApiDocument, type OpenApiDocument } from '../../src/kernel/openapi.js';
import { createPool } from '../../src/kernel/pool.js';
import { composeModules } from '../../src/modules.js';

export async function apiDocument(): Promise<OpenApiDocument> {
  const config = loadConfig({ DATABASE_URL: 'postgres://docs@127.0.0.1:1/docs', MODULES: MODULE_NAMES.join(',') });
  const pool = createPool(config);
  let modules: Module[] = [];
  const document = () => buildOpenApiDocument(modules);
  modules = composeModules(config.modules, {
    config,
    pool,
    metrics: new Metrics(false),
    edge: new EdgeState(),
    schema: { migrations: [], functions: [] },
    openApiDocument: document,
  });
  await pool.end();
  return document();
}
