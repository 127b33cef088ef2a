import type { app } from '../index';
import type { buildDocument, operationsOf } from '../openapi/document';

export declare function loadDocumentModule(): Promise<{
  app: typeof app;
  buildDocument: typeof buildDocument;
  operationsOf: typeof operationsOf;
}>;
export declare function writeDocument(out?: string): ReturnType<typeof buildDocument>;
