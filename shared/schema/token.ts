import { z } from 'zod';
import { Name, Role } from './common.ts';

export const TokenCreate = z.object({ name: Name, role: Role });
export const TokenCreated = z.object({ id: z.string(), name: z.string(), role: Role, token: z.string() });
