/**
 * In-memory stand-in for the data behind the service layer, for component tests only.
 * Each test starts from `resetBackend()` and may change these values before rendering.
 */
import { DEFAULT_SETTINGS } from '@/lib/settings';
import type {
  CapacityToday,
  HistoryEntry,
  AdminSettings,
  AdminStatus,
  ExportRow,
  MessageTemplate,
  HourlyThroughput,
  Lead,
  Membership,
  QueueAlert,
  QueueDrain,
  QueueListItem,
  ProcessorDefaults,
  QueueStatus,
  StoredQueueSettings,
  SpreadDay,
} from '@/types/queue';
import type { ImportRow } from '@/lib/leadImport';
import type { SessionUser } from '@/services/auth/authService';
import type { ApiState } from '@/services/connectionService';

export const ADMIN: SessionUser = { id: 'a0000000-0000-4000-8000-000000000001', email: 'test@test.test' };
export const MANAGER: SessionUser = { id: 'a0000000-0000-4000-8000-000000000002', email: 'manager@test.test' };
export const CLIENT_ID = '11111111-1111-4111-8111-111111111111';

export function lead(n: number, patch: Partial<Lead> = {}): Lead {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    name: `Lead ${String(n).padStart(5, '0')}`,
    phone: `+97250${String(n).padStart(7, '0')}`,
    email: `lead${n}@example.com`,
    tags: [],
    opted_out_at: null,
    last_contacted_at: null,
    ...patch,
  };
}

export function queueItem(n: number, patch: Partial<QueueListItem> = {}): QueueListItem {
  return {
    id: `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    lead_id: lead(n).id,
    user_id: ADMIN.id,
    status: 'pending',
    priority: 'normal',
    scheduled_for: '2024-01-15T08:00:00.000Z',
    next_attempt_at: null,
    agent_conversation_id: null,
    processed_at: null,
    attempts: 0,
    max_attempts: 5,
    last_error: null,
    error_code: null,
    created_at: '2024-01-15T07:59:00.000Z',
    updated_at: '2024-01-15T07:59:00.000Z',
    leadName: lead(n).name,
    leadPhone: lead(n).phone,
    outlook: null,
    ...patch,
  };
}

export interface Backend {
  user: SessionUser | null;
  memberships: Membership[];
  leads: Lead[];
  /** When each changed lead last changed (its updated_at), for the lead grid's poll while the channel is down. */
  leadChanges: Map<string, string>;
  activeLeadIds: Set<string>;
  items: QueueListItem[];
  /** The client's total as queue_status() answers it. */
  status: QueueStatus;
  drain: QueueDrain;
  history: (HistoryEntry & { queue_item_id: string })[];
  capacity: CapacityToday;
  /** What plan_spread answers: the open days ahead with how many go on each. */
  spreadPlan: SpreadDay[];
  /** queue_admin_status() rows; null: one row, the demo admin's, equal to `status`. */
  adminStatus: AdminStatus[] | null;
  /** The demo admin's settings row. */
  settings: StoredQueueSettings | null;
  /** More admins of the client, whose rows a manager reads. */
  otherAdmins: AdminSettings[];
  processorDefaults: ProcessorDefaults | null;
  throughput: HourlyThroughput[];
  alerts: QueueAlert[];
  channel: 'live' | 'down' | 'connecting';
  api: ApiState;
  /** The session was revoked elsewhere: the next check ends it. */
  sessionRevoked: boolean;
  templates: MessageTemplate[];
  region: string;
  /** Import chunks the fake server applied, by import id and chunk number. */
  importChunks: Map<string, Map<number, readonly ImportRow[]>>;
  imports: Map<string, { fileName: string; totalRows: number; blankRows: number; totalChunks: number }>;
  exportRows: ExportRow[];
}

function initial(): Backend {
  return {
    user: ADMIN,
    memberships: [{ clientId: CLIENT_ID, role: 'admin', clientName: 'Demo' }],
    leads: [
      lead(1, { name: 'Avi Cohen' }),
      lead(2, { name: 'Dana Levi', last_contacted_at: '2024-01-10T09:00:00.000Z' }),
      lead(3, { name: 'Noa Mizrahi', opted_out_at: '2024-01-05T09:00:00.000Z' }),
      lead(4, { name: 'Yossi Peretz' }),
    ],
    leadChanges: new Map(),
    activeLeadIds: new Set([lead(4).id]),
    items: [
      queueItem(4, { leadName: 'Yossi Peretz' }),
      queueItem(2, { leadName: 'Dana Levi', status: 'failed', attempts: 5, last_error: 'Agent DB answered 400: bad phone', error_code: 'http_400' }),
    ],
    status: {
      depth: 1,
      queued: 0,
      processing: 0,
      sent_24h: 8,
      failed_24h: 2,
      success_rate: 80,
      oldest_pending_seconds: 120,
      processing_state: 'running',
      last_processor_run_at: '2024-01-15T07:59:00.000Z',
      sending_paused_until: null,
    },
    drain: { waiting: 1, drain_at: '2024-01-15T08:01:00.000Z', paused: false },
    capacity: { sent_today: 137, in_flight: 0, capacity: 200 },
    history: [],
    spreadPlan: [
      { day: '2024-01-15', window_start: '2024-01-15T08:00:00.000Z', queued: 63 },
      { day: '2024-01-16', window_start: '2024-01-16T07:00:00.000Z', queued: 200 },
    ],
    adminStatus: null,
    settings: { ...DEFAULT_SETTINGS, processing_state: 'running', last_processor_run_at: null },
    otherAdmins: [],
    processorDefaults: { batch_size: 10, processing_delay_ms: 2000, rate_limit_per_hour: 1000 },
    throughput: [
      { hour: '2024-01-15T07:00:00.000Z', queued: 5, sent: 4, failed: 1, retried: 0, avg_latency_ms: 300 },
      { hour: '2024-01-15T08:00:00.000Z', queued: 6, sent: 4, failed: 1, retried: 1, avg_latency_ms: 280 },
    ],
    alerts: [],
    channel: 'live',
    api: 'up',
    sessionRevoked: false,
    templates: [
      { id: 't1', name: 'initial_outreach', variables: [], description: 'The first message to a lead' },
      { id: 't2', name: 'event_invite', variables: ['event_name', 'event_date'], description: 'An invitation to an event' },
    ],
    region: 'IL',
    importChunks: new Map(),
    imports: new Map(),
    exportRows: [],
  };
}

export let backend: Backend = initial();

export function resetBackend(): void {
  backend = initial();
}
