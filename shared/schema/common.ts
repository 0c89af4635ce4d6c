import { z } from 'zod';

/** Every API error has this shape; `code` is stable, `message` says what to do. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Name = z.string().trim().min(1, 'a name is required').max(200, 'a name has at most 200 characters');
export const Id = z.uuid({ message: 'expected an id (UUID)' });

export const Role = z.enum(['viewer', 'analyst', 'approver', 'admin']);
export type Role = z.infer<typeof Role>;
