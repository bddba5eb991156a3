import { withTestStack, type StackFixture as PackageStackFixture, type StackFixtureOptions } from '@leads-queue/local-supabase/vitest';
import { createTestDatabase } from './db.ts';
import { resetQueueState, type SettingsChange } from './queueState.ts';

export type { StackFixtureOptions };

export interface StackFixture extends PackageStackFixture {
  /** The common beforeEach: the queue state back to the seed's (see resetQueueState), the Agent DB stand-in answering 200 again. */
  reset(change?: SettingsChange): Promise<void>;
}

/**
 * The test file's own database (a copy of the migrated, seeded template) and the local stack over it,
 * started in beforeAll and torn down in afterAll; every member is usable from beforeAll on.
 */
export function withStack(options: Omit<StackFixtureOptions, 'database'> = {}): StackFixture {
  const stack = withTestStack({ ...options, database: createTestDatabase });
  return Object.assign(stack, {
    async reset(change?: SettingsChange) {
      await resetQueueState(stack.pool, change);
      stack.sink?.reset();
      await stack.sink?.resume();
    },
  });
}
