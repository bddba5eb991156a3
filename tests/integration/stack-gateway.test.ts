import { describe, expect, it } from 'vitest';
import { PASSWORD, USERS } from '../support/seed.ts';
import { withStack } from '../support/withStack.ts';

// The gateway's own behaviour is proven by local-supabase/tests/gateway.test.ts; these prove the app's seed and RLS on it.
const stack = withStack();

describe('the app on the local gateway', () => {
  it('carries the signed-in user into Postgres, so the app RLS decides which clients /rest returns', async () => {
    const demo = await stack.signIn(USERS.demoAdmin.email, PASSWORD);
    const other = await stack.signIn(USERS.otherAdmin.email, PASSWORD);
    const demoClients = await demo.from('clients').select('id');
    const otherClients = await other.from('clients').select('id');
    expect(demoClients.error).toBeNull();
    expect(demoClients.data).toEqual([{ id: USERS.demoAdmin.clientId }]);
    expect(otherClients.data).toEqual([{ id: USERS.otherAdmin.clientId }]);
    const anon = await stack.client().from('clients').select('id');
    expect(anon.data ?? []).toEqual([]);
    const service = await stack.client(stack.serviceRoleKey).from('clients').select('id');
    expect(service.data?.length).toBeGreaterThanOrEqual(2);
  });

  it('signs in every seed user', async () => {
    for (const user of Object.values(USERS)) {
      const client = await stack.signIn(user.email, PASSWORD);
      const { data } = await client.auth.getUser();
      expect(data.user?.id).toBe(user.id);
    }
  });
});
