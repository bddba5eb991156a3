import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '@leads-queue/local-supabase';
import { TEST_AGENT_API_KEY, TEST_WEBHOOK_SECRET } from '@leads-queue/local-supabase/testing';

/** The repository root (this file's folder is tests/support). */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A queue-processor running as its own real Deno process, so a test can SIGKILL it mid-run. */
export interface ProcessorProcess {
  child: ChildProcess;
  port: number;
  name: string;
}

export interface ProcessorProcessOptions {
  /** The stack the processor talks to (URL and keys) and the Agent DB stand-in it sends to. */
  stack: { url: string; anonKey: string; serviceRoleKey: string; sink?: { webhookUrl: string } };
  /** Prefix of its worker ids (QUEUE_WORKER_NAME). */
  name: string;
  env?: Record<string, string>;
}

export async function startProcessorProcess(options: ProcessorProcessOptions): Promise<ProcessorProcess> {
  const port = await freePort();
  const functions = path.join(ROOT, 'supabase', 'functions');
  const child = spawn(
    path.join(ROOT, 'node_modules', '.bin', 'deno'),
    ['run', '--allow-all', '--no-prompt', '--config', path.join(functions, 'deno.json'), path.join(functions, 'queue-processor', 'index.ts')],
    {
      cwd: functions,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
        DENO_NO_UPDATE_CHECK: '1',
        NO_COLOR: '1',
        DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${port}`,
        SUPABASE_URL: options.stack.url,
        SUPABASE_ANON_KEY: options.stack.anonKey,
        SUPABASE_SERVICE_ROLE_KEY: options.stack.serviceRoleKey,
        ...(options.stack.sink ? { AGENT_DB_WEBHOOK_URL: options.stack.sink.webhookUrl } : {}),
        AGENT_DB_API_KEY: TEST_AGENT_API_KEY,
        AGENT_DB_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
        QUEUE_WORKER_NAME: options.name,
        ...options.env,
      },
    },
  );
  await waitForPort(port, 30_000, () => (child.exitCode !== null ? `deno exited with ${child.exitCode}` : null));
  return { child, port, name: options.name };
}

/** One run of that process, as the dispatcher would POST it (`body`: its shard); `{killed: true}` when the process died before answering. */
export async function runProcessorProcess(
  processor: ProcessorProcess,
  serviceRoleKey: string,
  body: Record<string, unknown> = {},
): Promise<{ status: number; body: unknown } | { killed: true }> {
  try {
    const response = await fetch(`http://127.0.0.1:${processor.port}/queue-processor`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${serviceRoleKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  } catch {
    return { killed: true };
  }
}
