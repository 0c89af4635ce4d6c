// Approvers and admins approve custom LFs from their cells (the API checks the role again).
import { useEffect, useState } from 'react';
import { whoAmI } from '../api/tokens.ts';

export function useCanApprove(): boolean {
  const [role, setRole] = useState<string>();
  useEffect(() => { whoAmI().then((me) => setRole(me.role), () => undefined); }, []);
  return role === 'approver' || role === 'admin';
}
