// Compiles a response schema into its serializer, once, at load (fast-json-stringify). The same
// schema object is what the OpenAPI document publishes.
import fastJson from 'fast-json-stringify';

export function compileSerializer<T>(schema: object): (value: T) => string {
  return fastJson(schema as Parameters<typeof fastJson>[0]) as unknown as (value: T) => string;
}
