import type { RequestAuth } from '../types.ts';
import type { TableRef } from './capture.ts';
import type { FilterCondition } from './filters.ts';

export type ChangeType = 'INSERT' | 'UPDATE' | 'DELETE';
export type Row = Record<string, unknown>;

/** One `postgres_changes` entry of a phx_join config, as the client sent it. */
export interface BindingRequest {
  event?: unknown;
  schema?: unknown;
  table?: unknown;
  filter?: unknown;
}

export interface Binding {
  id: number;
  event: '*' | ChangeType;
  schema: string;
  /** null: every captured table of the schema. */
  table: string | null;
  filter: string;
  conditions: FilterCondition[];
}

/** A joined channel: its bindings, the caller it currently acts for, and where payloads go. */
export interface ChangeSubscriber {
  bindings: Binding[];
  auth(): RequestAuth;
  deliver(payload: Row): void;
}

/** As the capture trigger NOTIFYs it (see capture.ts). */
export interface RawChange {
  i: number;
  s: string;
  t: string;
  y: ChangeType;
  ts: string;
  n?: Row;
  o?: Row;
  b?: boolean;
}

export interface IndexedChange {
  index: number;
  change: RawChange;
}

export function pick(row: Row | undefined, names: Iterable<string>): Row {
  const out: Row = {};
  if (!row) return out;
  for (const name of names) if (name in row) out[name] = row[name];
  return out;
}

export function eventMatches(binding: Binding, type: ChangeType): boolean {
  return binding.event === '*' || binding.event === type;
}

export function bindsTable(binding: Binding, ref: TableRef): boolean {
  return binding.schema === ref.schema && (binding.table === null || binding.table === ref.table);
}

/** Payloads for one subscriber, keyed by their position in the batch (commit order). */
export type Outbox = Map<ChangeSubscriber, { index: number; payload: Row }[]>;
