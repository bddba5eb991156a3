/** Test helpers for apps that run their tests against the local stack: `@leads-queue/local-supabase/testing`. */
export { startRealtimeTestServer, type RealtimeTestServer } from './realtimeServer.ts';
export { userToken } from './tokens.ts';
export { watchChanges, type ChangeBinding, type ChangeWatch, type ReceivedChange } from './watchChanges.ts';
export {
  refusedJoin,
  watchBroadcasts,
  type BroadcastOptions,
  type BroadcastWatch,
  type ChannelMaker,
  type ReceivedBroadcast,
} from './watchBroadcasts.ts';
export { startTestStack, TEST_AGENT_API_KEY, TEST_WEBHOOK_SECRET, type ClientOptions, type TestStack, type TestStackOptions } from './stack.ts';
export {
  cloneDatabase,
  clusterGlobalSetup,
  startTestCluster,
  type ClonedDatabase,
  type CloneOptions,
  type ClusterAddress,
  type TestCluster,
  type TestClusterOptions,
} from './cluster.ts';
