// What a module is to the house: its routes (each with its OpenAPI operation, so the document
// describes every route by construction), its schemas, and its share of start-up and drain.
// main.ts composes the modules named in config (MODULES) plus operations, always on.
import type pg from 'pg';
import type { Config } from '../config.js';
import type { EdgeState } from './edge-state.js';
import type { HttpResponder } from './http-responder.js';
import type { Metrics } from './metrics.js';
import type { ExpectedSchema } from './migrations.js';
import type { ApiDescription, OpenApiDocument, OpenApiOperation, JsonSchema } from './openapi.js';
import type { HttpRequest, HttpResponse } from './uws.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Handles one request. `req` is only valid until the handler returns (uWS): copy what is needed
 * first. The responder already listens for an abort.
 */
export type RouteHandler = (res: HttpResponse, req: HttpRequest, responder: HttpResponder) => void;

export interface Route {
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. `/clientes/{id}/extrato`; also the metrics' route label. */
  readonly path: string;
  readonly operation: OpenApiOperation;
  readonly handler: RouteHandler;
}

export interface Module extends ApiDescription {
  readonly name: string;
  /** The module's section of the API reference (an OpenAPI tag). */
  readonly tag: { readonly name: string; readonly description: string };
  readonly routes: readonly Route[];
  /** Named schemas the operations reference as `#/components/schemas/<name>`. */
  readonly schemas?: Readonly<Record<string, JsonSchema>>;
  /** Runs before the instance listens, e.g. to open and prepare its connections. */
  start?(): Promise<void>;
  /** Work accepted but not answered yet; the drain waits for it. */
  pending?(): number;
  /**
   * Called once when the drain starts, e.g. to answer requests that would otherwise wait (long
   * polls) instead of holding the drain up for their whole wait.
   */
  drain?(): void;
}

/** What a module may use from the kernel. */
export interface ModuleContext {
  readonly config: Config;
  readonly pool: pg.Pool;
  readonly metrics: Metrics;
  readonly edge: EdgeState;
  readonly schema: ExpectedSchema;
  /** The whole OpenAPI document, once every module is composed. */
  readonly openApiDocument: () => OpenApiDocument;
}

export type ModuleFactory = (context: ModuleContext) => Module;
