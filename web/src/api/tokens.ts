// Who the signed-in token is (its role decides, e.g., who may approve custom LFs).
import type { WhoAmI } from '../../../shared/schema/token.ts';
import { requestJson } from './request.ts';

export const whoAmI = () => requestJson<WhoAmI>('/api/me');
