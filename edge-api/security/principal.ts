import type { Role } from '../../shared/schema/common.ts';

/** Who sent the request: the API token's id, name and role (security/auth.ts finds it). */
export interface Principal { tokenId: string; name: string; role: Role }
