import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** The parts of an exported n8n workflow these tests read. */
export interface WorkflowNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  parameters: Record<string, unknown>;
  onError?: string;
  credentials?: Record<string, { id: string; name: string }>;
}

export interface Workflow {
  nodes: WorkflowNode[];
  connections: Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;
}

export const WORKFLOW_TEXT = readFileSync(path.join(import.meta.dirname, '..', 'n8n', 'leads-queue-agent.workflow.json'), 'utf8');
export const workflow = JSON.parse(WORKFLOW_TEXT) as Workflow;

export function nodeNamed(name: string): WorkflowNode {
  const found = workflow.nodes.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no node named ${name}`);
  return found;
}

export interface Item {
  json: Record<string, unknown>;
  binary?: Record<string, { data: string; mimeType: string }>;
}

export interface CodeContext {
  input: Item[];
  env: Record<string, string>;
  /** What `$('Node name').first()` returns, by node name. */
  nodes?: Record<string, Item>;
  /** The clock behind `Date.now()` in the node. */
  now: Date;
}

const nodeRequire = createRequire(import.meta.url);

/**
 * Runs a Code node ("Run Once for All Items") the way n8n 1.x does: the code is the body of an async
 * function called with the sandbox as `this`, with $input, $env, $(), this.helpers.getBinaryDataBuffer
 * and `require` limited to what NODE_FUNCTION_ALLOW_BUILTIN=crypto allows.
 */
export async function runCodeNode(name: string, context: CodeContext): Promise<Item[]> {
  const jsCode = nodeNamed(name).parameters.jsCode;
  if (typeof jsCode !== 'string') throw new Error(`${name} is not a Code node`);
  const items = context.input;
  const fixedNow = context.now.getTime();
  const sandbox = vm.createContext({
    $input: { all: () => items, first: () => items[0], last: () => items[items.length - 1] },
    $env: { ...context.env },
    $: (nodeName: string) => {
      const item = context.nodes?.[nodeName];
      if (!item) throw new Error(`Referenced node "${nodeName}" has not run`);
      return { first: () => item, all: () => [item] };
    },
    helpers: {
      getBinaryDataBuffer: async (index: number, property: string) => {
        const binary = items[index]?.binary?.[property];
        if (!binary) throw new Error(`no binary property ${property} on item ${index}`);
        return Buffer.from(binary.data, 'base64');
      },
    },
    require: (module: string) => {
      if (module !== 'crypto') throw new Error(`Cannot find module '${module}' (only crypto is allowed)`);
      return nodeRequire('node:crypto');
    },
    Buffer,
    Date: class extends Date {
      static override now(): number {
        return fixedNow;
      }
    },
  });
  const result: unknown = await vm.runInContext(`(async function () {\n${jsCode}\n})()`, sandbox, { filename: name });
  // Normalise objects made in the sandbox's realm so that vitest compares them as plain data.
  return JSON.parse(JSON.stringify(result)) as Item[];
}

/** Evaluates an n8n parameter expression (`={{ … }}`) with the given $json and $() data. */
export function evaluateExpression(expression: string, json: Record<string, unknown>, nodes: Record<string, Item>): unknown {
  const match = /^=\{\{([\s\S]*)\}\}$/.exec(expression);
  if (!match) throw new Error(`not an expression: ${expression}`);
  const lookup = (nodeName: string) => {
    const item = nodes[nodeName];
    if (!item) throw new Error(`Referenced node "${nodeName}" has not run`);
    return { first: () => item };
  };
  return new Function('$json', '$', `return (${match[1]});`)(json, lookup) as unknown;
}
