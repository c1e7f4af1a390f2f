// Assembles the OpenAPI 3.1 document from the modules: each route brings its operation, each
// module its tag and schemas. The response schemas are the very objects fast-json-stringify
// compiles, so the document cannot describe another shape than the one served.
import { ERROR_BODY_SCHEMA } from './error-status.js';

export type JsonSchema = Readonly<Record<string, unknown>>;

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly parameters?: readonly Readonly<Record<string, unknown>>[];
  readonly requestBody?: Readonly<Record<string, unknown>>;
  /** Which of SECURITY_SCHEMES the operation accepts; `{}` in the list means "none needed". */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
  readonly responses: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export type OpenApiDocument = Readonly<Record<string, unknown>> & {
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation & { tags: string[] }>>>>;
  readonly components: { readonly schemas: Readonly<Record<string, JsonSchema>>; readonly securitySchemes?: Readonly<Record<string, JsonSchema>> };
};

/** What the document needs of a module: its tag, its routes' operations and its schemas. */
export interface ApiDescription {
  readonly tag: { readonly name: string; readonly description: string };
  readonly routes: readonly { readonly method: string; readonly path: string; readonly operation: OpenApiOperation }[];
  readonly schemas?: Readonly<Record<string, JsonSchema>>;
}

export const API_VERSION = '0.2.0';

const OVERVIEW = `crébitos is a credit/debit API in the shape of Rinha de Backend 2024 Q1, on one durable
PostgreSQL ledger. Every module of the service is described here; this document is served at
\`GET /openapi.json\` and rendered at \`GET /docs\`.

**Durable answers.** A \`2xx\` is sent only after the effect is committed with PostgreSQL's default
durability (fsync, synchronous_commit and full_page_writes on, logged tables): it survives a
crash. A \`4xx\` changed nothing. A \`5xx\` means the outcome is unknown to the client (for
example, the database died between the commit and the answer): it is only ever a fault of ours
or of a dependency, never the answer to something a client sent.

**Errors.** Every error response has the body \`{"erro": "<short reason>"}\` (schema \`Erro\`).
Unknown routes answer \`404\`; a known path with another method answers \`405\` with an \`Allow\`
header. Request bodies are read with a cap (1 KiB on the ledger's routes, answered \`413\`
without reading the rest).`;

/** The credentials an operation may name in its `security`. */
const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'A user\'s token from POST /auth/token: `Authorization: Bearer <access_token>`. It expires (expires_in) and stops working at once when its user is deleted.',
  },
  admin: {
    type: 'http',
    scheme: 'bearer',
    description: 'The operator\'s token: `Authorization: Bearer <ADMIN_TOKEN>`. With ADMIN_TOKEN unset, the admin routes answer 403.',
  },
} as const;

/** A reference to a named schema of components.schemas. */
export function schemaRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}

/** A response whose body is the error schema. */
export function errorResponse(description: string): Record<string, unknown> {
  return { description, content: { 'application/json': { schema: schemaRef('Erro') } } };
}

export function buildOpenApiDocument(modules: readonly ApiDescription[]): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation & { tags: string[] }>> = {};
  const schemas: Record<string, JsonSchema> = { Erro: ERROR_BODY_SCHEMA };
  for (const module of modules) {
    for (const [name, schema] of Object.entries(module.schemas ?? {})) {
      if (schemas[name] !== undefined) throw new Error(`schema ${name} is declared by two modules`);
      schemas[name] = schema;
    }
    for (const route of module.routes) {
      const byMethod = (paths[route.path] ??= {});
      if (byMethod[route.method] !== undefined) throw new Error(`${route.method.toUpperCase()} ${route.path} is declared twice`);
      byMethod[route.method] = { tags: [module.tag.name], ...route.operation };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'crébitos', version: API_VERSION, description: OVERVIEW, license: { name: 'MIT', identifier: 'MIT' } },
    tags: modules.map((module) => ({ ...module.tag })),
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES },
  };
}
