import { createConfig, lintFromString } from '@redocly/openapi-core';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { generateSync, type JsonSchema } from 'json-schema-faker';

/**
 * Reading an OpenAPI 3.1 document the way a third-party client would: its operations, requests
 * generated from their JSON schemas (json-schema-faker), and answers checked against the documented
 * responses (ajv). Nothing here knows our routes: a route added to the API is fuzzed as it is served.
 */

export type Schema = Record<string, unknown>;
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}
export interface DocumentedResponse {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, { schema?: Schema }>;
}
export interface Operation {
  method: string;
  path: string;
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters: Parameter[];
  body?: Schema;
  bodyExample?: unknown;
  responses: Record<string, DocumentedResponse>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, Schema> };
}

/** Every operation of the document, its `$ref`s inlined. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      const operation = inline(raw, document) as Record<string, unknown>;
      const json = (operation.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)
        ?.content?.['application/json']?.schema;
      operations.push({
        method: method.toUpperCase(),
        path,
        ...(typeof operation.operationId === 'string' ? { operationId: operation.operationId } : {}),
        ...(operation.security ? { security: operation.security as Operation['security'] } : {}),
        parameters: (operation.parameters as Parameter[] | undefined) ?? [],
        ...(json ? { body: json, bodyExample: json.example } : {}),
        responses: operation.responses as Record<string, DocumentedResponse>,
      });
    }
  }
  return operations;
}

/** Replaces each `{$ref: '#/…'}` with what it points to (the API's schemas are not recursive). */
export function inline(value: unknown, document: OpenApiDocument, depth = 0): unknown {
  if (depth > 64) throw new Error('reference cycle in the document');
  if (Array.isArray(value)) return value.map((entry) => inline(entry, document, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if (typeof object.$ref === 'string') {
    const target = object.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], document);
    if (target === undefined) throw new Error(`unresolved $ref ${object.$ref}`);
    return inline(target, document, depth + 1);
  }
  return Object.fromEntries(
    Object.entries(object).map(([key, entry]) => [key, inline(entry, document, depth + 1)]),
  );
}

/** A value valid for `schema`, reproducible from `seed`. */
export function sample(schema: Schema, seed: number, optionalsProbability = 0.5): unknown {
  return generateSync(schema as JsonSchema, { seed, optionalsProbability, maxDepth: 4 });
}

/** Compiles response schemas once each (strict mode off: `example` and friends are OpenAPI keywords). */
export function createResponseValidator(): (schema: Schema, body: unknown) => string | undefined {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  const compiled = new Map<string, ValidateFunction>();
  return (schema, body) => {
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    return validate(body) ? undefined : ajv.errorsText(validate.errors);
  };
}

/** The documented response for `status`: the exact code, its `4XX` range, or `default`. */
export function documentedResponse(operation: Operation, status: number): DocumentedResponse | undefined {
  const { responses } = operation;
  return responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
}

/**
 * Redocly's lint with its strict ruleset, offline (the document references nothing outside itself).
 * `operation-4xx-response` is off: the probes and this document have no client error to describe;
 * the conformance test checks instead that every `/api` operation documents its 4xx.
 */
export async function lintProblems(document: OpenApiDocument): Promise<string[]> {
  const config = await createConfig({
    extends: ['recommended-strict'],
    rules: { 'operation-4xx-response': 'off' },
  });
  const problems = await lintFromString({
    source: JSON.stringify(document),
    absoluteRef: 'openapi.json',
    config,
  });
  return problems.map(
    (problem) =>
      `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? '?'}`,
  );
}
