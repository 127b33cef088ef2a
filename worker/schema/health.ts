// What GET /v1/health answers.
import * as z from '../lib/zod';

export const Health = z.strictObject({ ok: z.literal(true) });
export type Health = z.infer<typeof Health>;
