import { createRoute } from '@hono/zod-openapi';
import { TokenCreate, TokenCreated, WhoAmI } from '../../shared/schema/token.ts';
import { insertToken } from '../data/api-tokens.ts';
import { requireRole } from '../security/auth.ts';
import { generateToken, hashToken } from '../security/secrets.ts';
import { createRouter, errors, json, jsonBody, secured } from '../router.ts';

const mint = createRoute({
  method: 'post', path: '/api/tokens', tags: ['auth'], security: secured,
  middleware: [requireRole('admin')] as const,
  request: jsonBody(TokenCreate),
  responses: { 201: json(TokenCreated, 'The new token; it is shown only this once'), ...errors },
});
const whoami = createRoute({
  method: 'get', path: '/api/me', tags: ['auth'], security: secured,
  responses: { 200: json(WhoAmI, 'Who this token is'), ...errors },
});

export const tokenRoutes = () => createRouter()
  .openapi(mint, async (c) => {
    const { name, role } = c.req.valid('json');
    const token = generateToken();
    const row = await insertToken(c.var.deps.db, { name, role, tokenHash: await hashToken(token) });
    return c.json({ id: row.id, name, role, token }, 201);
  })
  .openapi(whoami, (c) => c.json({ name: c.var.principal.name, role: c.var.principal.role }, 200));
