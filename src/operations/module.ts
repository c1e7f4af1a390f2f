// The operations module, always on: what an operator wires the service into (health, readiness,
// metrics) and the API reference (the OpenAPI document and a page rendering it).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { errorCodeForDatabaseError } from '../kernel/database-errors.js';
import { ErrorCode } from '../kernel/errors.js';
import { log } from '../kernel/log.js';
import { schemaDifferences } from '../kernel/migrations.js';
import { withoutFailoverWait } from '../kernel/pool.js';
import type { Module, ModuleContext } from '../kernel/module.js';
import { errorResponse, schemaRef } from '../kernel/openapi.js';
import { DOCS_PAGE, DOCS_INIT_SCRIPT } from './docs-page.js';
import { HEALTH_SCHEMA, READINESS_SCHEMA, serializeHealth, serializeReadiness } from './schemas.js';

const OK = '200 OK';
const UNAVAILABLE = '503 Service Unavailable';

// The reference renderer's files, served from its npm package (nothing fetched at run time).
const SWAGGER_UI_DIR = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const DOCS_ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const TAG = {
  name: 'operations',
  description:
    'What every module shares: liveness, readiness, Prometheus metrics, and this reference. Health and readiness are what the ' +
    'compose healthchecks and a load balancer ask; /metrics is for a Prometheus scraper.',
} as const;

export function createOperationsModule(context: ModuleContext): Module {
  const { edge, metrics, pool, schema } = context;
  // Readiness says what is true now: no waiting out a failover (DB_FAILOVER_WAIT_MS).
  const readinessPool = withoutFailoverWait(pool);
  let documentJson: string | undefined;
  let lastReadiness = true;

  return {
    name: 'operations',
    tag: TAG,
    schemas: { Saude: HEALTH_SCHEMA, Prontidao: READINESS_SCHEMA },
    routes: [
      {
        method: 'get',
        path: '/health',
        operation: {
          operationId: 'health',
          summary: 'Liveness: the process is up',
          description: 'Answers 200 as long as the process serves HTTP, whatever the database does. It never touches the database.',
          responses: { 200: { description: 'Up.', content: { 'application/json': { schema: schemaRef('Saude') } } } },
        },
        handler(_res, _req, responder) {
          responder.ok(serializeHealth({ status: 'ok' }));
        },
      },
      {
        method: 'get',
        path: '/ready',
        operation: {
          operationId: 'ready',
          summary: 'Readiness: the instance can serve requests',
          description:
            'Ready when the database answers, every migration and SQL function this version expects is applied with the same ' +
            'text, and the instance is not draining. Otherwise 503 with the reason, so a load balancer or a healthcheck stops ' +
            'sending it traffic.',
          responses: {
            200: { description: 'Ready.', content: { 'application/json': { schema: schemaRef('Prontidao') } } },
            503: { description: 'Not ready, with the reasons.', content: { 'application/json': { schema: schemaRef('Prontidao') } } },
          },
        },
        handler(_res, _req, responder) {
          if (edge.draining) return responder.send(UNAVAILABLE, 'application/json', serializeReadiness({ status: 'not_ready', reasons: ['draining'] }));
          schemaDifferences(readinessPool, schema).then(
            (differences) => {
              const ready = differences.length === 0;
              if (ready !== lastReadiness) log.warn(ready ? 'ready again' : 'not ready', { reasons: differences });
              lastReadiness = ready;
              if (ready) responder.send(OK, 'application/json', serializeReadiness({ status: 'ready', reasons: [] }));
              else responder.send(UNAVAILABLE, 'application/json', serializeReadiness({ status: 'not_ready', reasons: differences }));
            },
            (error: unknown) => {
              lastReadiness = false;
              const reason = errorCodeForDatabaseError(error) === ErrorCode.DatabaseUnavailable ? 'database unreachable' : 'database error';
              responder.send(UNAVAILABLE, 'application/json', serializeReadiness({ status: 'not_ready', reasons: [reason] }));
            },
          );
        },
      },
      {
        method: 'get',
        path: '/metrics',
        operation: {
          operationId: 'metrics',
          summary: 'Prometheus metrics of this instance',
          description:
            'The Prometheus text format: requests by route template and status class with latency histograms ' +
            '(`crebitos_http_request_duration_seconds`), the database pool (`crebitos_db_pool_*`), each module\'s queues ' +
            'and batch sizes, and the process (CPU, memory, event loop). Behind the load balancer each scrape reaches one ' +
            'instance: scrape the instances directly to see each.',
          responses: { 200: { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
        handler(_res, _req, responder) {
          metrics.text().then(
            (text) => responder.send(OK, metrics.contentType, text),
            () => responder.fail(ErrorCode.Internal),
          );
        },
      },
      {
        method: 'get',
        path: '/openapi.json',
        operation: {
          operationId: 'openapi',
          summary: 'This document',
          description: 'The OpenAPI 3.1 document of every route of every module this instance runs.',
          responses: { 200: { description: 'The document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
        handler(_res, _req, responder) {
          documentJson ??= JSON.stringify(context.openApiDocument());
          responder.send(OK, 'application/json', documentJson);
        },
      },
      {
        method: 'get',
        path: '/docs',
        operation: {
          operationId: 'docs',
          summary: 'The API reference, readable',
          description: 'A page that renders /openapi.json with Swagger UI, served from its npm package (no request leaves the service).',
          responses: { 200: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } } },
        },
        handler(_res, _req, responder) {
          responder.send(OK, 'text/html; charset=utf-8', DOCS_PAGE);
        },
      },
      {
        method: 'get',
        path: '/docs/{asset}',
        operation: {
          operationId: 'docsAsset',
          summary: 'A file of the reference page',
          description: `One of: init.js, ${Object.keys(DOCS_ASSETS).join(', ')}.`,
          parameters: [{ name: 'asset', in: 'path', required: true, schema: { type: 'string', enum: ['init.js', ...Object.keys(DOCS_ASSETS)] } }],
          responses: { 200: { description: 'The file.' }, 404: errorResponse('No such file.') },
        },
        handler(_res, req, responder) {
          const asset = req.getParameter(0);
          if (asset === 'init.js') return responder.send(OK, 'text/javascript; charset=utf-8', DOCS_INIT_SCRIPT);
          const type = DOCS_ASSETS[asset];
          if (type === undefined) return responder.fail(ErrorCode.RouteNotFound);
          // Read on each request, not kept: the bundle is 1.7 MB and the page is rarely asked for.
          readFile(path.join(SWAGGER_UI_DIR, asset)).then(
            (bytes) => responder.send(OK, type, bytes, [['Cache-Control', 'public, max-age=3600']]),
            () => responder.fail(ErrorCode.Internal),
          );
        },
      },
    ],
  };
}
