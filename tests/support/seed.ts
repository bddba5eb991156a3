/** Fixed ids written by supabase/seed.sql. */
export const DEMO_CLIENT_ID = '11111111-1111-4111-8111-111111111111';
export const OTHER_CLIENT_ID = '22222222-2222-4222-8222-222222222222';
export const DEMO_ADMIN_ID = 'a0000000-0000-4000-8000-000000000001';
export const DEMO_MANAGER_ID = 'a0000000-0000-4000-8000-000000000002';
export const OTHER_ADMIN_ID = 'a0000000-0000-4000-8000-000000000003';
export const PASSWORD = 'testtesttest';
export const USERS = {
  demoAdmin: { id: DEMO_ADMIN_ID, email: 'test@test.test', clientId: DEMO_CLIENT_ID, role: 'admin' },
  demoManager: { id: DEMO_MANAGER_ID, email: 'manager@test.test', clientId: DEMO_CLIENT_ID, role: 'manager' },
  otherAdmin: { id: OTHER_ADMIN_ID, email: 'other@test.test', clientId: OTHER_CLIENT_ID, role: 'admin' },
} as const;
export type SeedUser = (typeof USERS)[keyof typeof USERS];
