import { z } from 'zod';
import { Name, Role } from './common.ts';

export const TokenCreate = z.object({ name: Name, role: Role });
export const TokenCreated = z.object({ id: z.string(), name: z.string(), role: Role, token: z.string() });
/** GET /api/me: who the request's token is. */
export const WhoAmI = z.object({ name: z.string(), role: z.string() });
export type WhoAmI = z.infer<typeof WhoAmI>;
