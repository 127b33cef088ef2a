// Loose on purpose: the Node-side type check must not pull in the worker (its types need the Workers runtime).
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas?: Record<string, unknown> } & Record<string, unknown>;
  webhooks?: Record<string, unknown>;
  [key: string]: unknown;
}

export declare function loadDocumentModule(): Promise<{
  app: { routes: Array<{ method: string; path: string }> };
  buildDocument: (version: string) => Promise<OpenApiDocument>;
  operationsOf: (document: OpenApiDocument) => Array<{ method: string; path: string; op: Record<string, unknown> }>;
}>;
export declare function writeDocument(out?: string): Promise<OpenApiDocument>;
