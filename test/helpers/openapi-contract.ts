// Checks answers against the OpenAPI document a running stack serves: the status must be one the
// operation documents, and a JSON body must match that response's schema (JSON Schema 2020-12,
// as OpenAPI 3.1 defines it; multipart/json bodies, arrays of JSON, too). Installed by the end-to-end tests, so every answer they read
// through helpers/http.ts is checked.
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type Document = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly templates: { template: string; pattern: RegExp }[];
  private readonly validators = new Map<string, ValidateFunction>();
  /** Answers checked so far, for a test to assert that the check ran. */
  checked = 0;

  constructor(readonly document: Document) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema({ $id: 'openapi.json', components: document.components });
    this.templates = Object.keys(document.paths).map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  static async fetch(baseUrl: string): Promise<OpenApiContract> {
    const response = await fetch(`${baseUrl}/openapi.json`);
    assert.equal(response.status, 200, 'GET /openapi.json');
    return new OpenApiContract((await response.json()) as Document);
  }

  /** The template a concrete path matches, e.g. /clientes/1/extrato -> /clientes/{id}/extrato. */
  templateOf(path: string): string | undefined {
    return this.templates.find((t) => t.pattern.test(path))?.template;
  }

  /** Asserts that this answer is one the document allows. */
  check(method: string, url: string, status: number, contentType: string | null, body: string): void {
    const path = new URL(url, 'http://x').pathname;
    const template = this.templateOf(path);
    const operation = template === undefined ? undefined : this.document.paths[template]![method.toLowerCase()];
    const where = `${method} ${path} -> ${status} ${body.slice(0, 200)}`;
    let schema: unknown;
    if (operation === undefined) {
      // No such route or method: the kernel's 404/405, with the error body.
      assert.ok(status === 404 || status === 405, `undocumented route answered other than 404/405: ${where}`);
      schema = { $ref: 'openapi.json#/components/schemas/Erro' };
    } else {
      const response = operation.responses[String(status)];
      assert.ok(response !== undefined, `status ${status} is not documented for ${method} ${template}: ${where}`);
      const type = contentType === null ? 'application/json' : contentType.split(';')[0]!.trim();
      schema = response.content?.[type]?.schema;
      if (response.content !== undefined && contentType !== null) {
        assert.ok(type in response.content, `content type ${type} is not documented: ${where}`);
      }
    }
    // JSON bodies: application/json, and multipart/json (the pix streams' arrays of messages).
    if (schema !== undefined && (contentType?.startsWith('application/json') || contentType?.startsWith('multipart/json'))) {
      const validate = this.validatorFor(schema);
      let json: unknown;
      assert.doesNotThrow(() => (json = JSON.parse(body)), `body is not JSON: ${where}`);
      assert.ok(validate(json), `body does not match the documented schema: ${where}\n${this.ajv.errorsText(validate.errors)}`);
    }
    this.checked++;
  }

  private validatorFor(schema: unknown): ValidateFunction {
    const key = JSON.stringify(schema);
    let validate = this.validators.get(key);
    if (validate === undefined) {
      // Component references resolve inside the document's components.
      validate = this.ajv.compile(JSON.parse(key.replaceAll('"#/components/', '"openapi.json#/components/')));
      this.validators.set(key, validate);
    }
    return validate;
  }
}

let installed: OpenApiContract | undefined;

/** From now on, helpers/http.ts checks every answer it reads against this contract. */
export function installContract(contract: OpenApiContract | undefined): void {
  installed = contract;
}

export function installedContract(): OpenApiContract | undefined {
  return installed;
}
