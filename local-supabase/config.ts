import { readFileSync } from 'node:fs';
import { supabasePath } from './project.ts';

/** The parts of `supabase/config.toml` the local stack honours, with the CLI's defaults. */
export interface StackConfig {
  /** `project_id`; the embedded database is named after it. */
  projectId: string;
  api: { port: number; schemas: string[]; maxRows: number };
  db: { port: number };
  /** The mail catcher (the CLI's Inbucket/Mailpit), on its own port. */
  inbucket: { enabled: boolean; port: number };
  auth: {
    siteUrl: string;
    /** Where /verify may redirect besides site_url (globs with `*` and `**`, as GoTrue). */
    additionalRedirectUrls: string[];
    jwtExpiry: number;
    enableSignup: boolean;
    enableAnonymousSignIns: boolean;
    enableConfirmations: boolean;
    minimumPasswordLength: number;
    /** Seconds a rotated refresh token may still be presented (GoTrue's default 10). */
    refreshTokenReuseInterval: number;
    email: {
      /** Email changes need a confirmation from the old address as well as the new one. */
      doubleConfirmChanges: boolean;
      /** A password change needs a recent reauthentication nonce. */
      securePasswordChange: boolean;
      /** Seconds between two mails of one kind to one user. */
      maxFrequencySeconds: number;
      /** Seconds an emailed OTP or link stays valid. */
      otpExpirySeconds: number;
      otpLength: number;
    };
  };
  /** Per function; a function not listed verifies JWTs (the CLI's default). */
  functions: Record<string, { verifyJwt: boolean }>;
}

type TomlValue = string | number | boolean | TomlValue[];
type TomlTable = { [key: string]: TomlValue | TomlTable };

function parseValue(raw: string, where: string): TomlValue {
  const text = raw.trim();
  if (text.startsWith('"') || text.startsWith("'")) {
    const quote = text[0]!;
    const end = text.indexOf(quote, 1);
    if (end < 0) throw new Error(`config.toml: unterminated string at ${where}`);
    const inner = text.slice(1, end);
    return quote === '"' ? (JSON.parse(`"${inner}"`) as string) : inner;
  }
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.startsWith('[')) {
    const inner = text.slice(1, text.lastIndexOf(']')).trim();
    if (inner === '') return [];
    return splitTopLevel(inner).map((part) => parseValue(part, where));
  }
  const number = Number(text.replaceAll('_', ''));
  if (text !== '' && Number.isFinite(number)) return number;
  throw new Error(`config.toml: unsupported value ${JSON.stringify(text)} at ${where}`);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i]!;
    if (quote) {
      if (char === quote && text[i - 1] !== '\\') quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth += 1;
    else if (char === ']') depth -= 1;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  const last = text.slice(start);
  if (last.trim() !== '') parts.push(last);
  return parts;
}

function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]!;
    if (quote) {
      if (char === quote && line[i - 1] !== '\\') quote = null;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '#') return line.slice(0, i);
  }
  return line;
}

/** The TOML subset config.toml uses: [dotted.tables], key = string | number | bool | one-line array. */
function parseToml(source: string): TomlTable {
  const root: TomlTable = {};
  let table = root;
  source.split(/\r?\n/).forEach((rawLine, index) => {
    const line = stripComment(rawLine).trim();
    if (line === '') return;
    const where = `line ${index + 1}`;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      table = root;
      for (const key of header[1]!.split('.').map((part) => part.trim().replace(/^"|"$/g, ''))) {
        const next = table[key];
        if (next === undefined) table[key] = {};
        else if (typeof next !== 'object' || Array.isArray(next)) throw new Error(`config.toml: ${key} is not a table at ${where}`);
        table = table[key] as TomlTable;
      }
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`config.toml: expected key = value at ${where}`);
    const key = line.slice(0, eq).trim().replace(/^"|"$/g, '');
    table[key] = parseValue(line.slice(eq + 1), where);
  });
  return root;
}

function table(value: TomlValue | TomlTable | undefined): TomlTable {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}
function num(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}
function str(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
/** The CLI's durations: a number of seconds or a Go duration such as "1s", "1m30s". */
function seconds(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return fallback;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let matched = '';
  for (const part of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
    total += Number(part[1]) * (units[part[2] ?? 's'] ?? 1);
    matched += part[0];
  }
  if (matched === '' || matched !== value) throw new Error(`config.toml: unsupported duration ${JSON.stringify(value)}`);
  return total;
}

export function configFromToml(source: string): StackConfig {
  const doc = parseToml(source);
  const api = table(doc.api);
  const db = table(doc.db);
  const auth = table(doc.auth);
  const email = table(auth.email);
  const functions: StackConfig['functions'] = {};
  for (const [name, value] of Object.entries(table(doc.functions))) {
    functions[name] = { verifyJwt: bool(table(value).verify_jwt, true) };
  }
  const strings = (value: TomlValue | TomlTable | undefined): string[] | undefined =>
    Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
  const inbucket = table(doc.inbucket);
  return {
    projectId: str(doc.project_id, 'supabase'),
    api: { port: num(api.port, 54321), schemas: strings(api.schemas) ?? ['public', 'graphql_public'], maxRows: num(api.max_rows, 1000) },
    db: { port: num(db.port, 54322) },
    inbucket: { enabled: bool(inbucket.enabled, true), port: num(inbucket.port, 54324) },
    auth: {
      siteUrl: str(auth.site_url, 'http://127.0.0.1:3000'),
      additionalRedirectUrls: strings(auth.additional_redirect_urls) ?? [],
      jwtExpiry: num(auth.jwt_expiry, 3600),
      enableSignup: bool(auth.enable_signup, true),
      enableAnonymousSignIns: bool(auth.enable_anonymous_sign_ins, false),
      enableConfirmations: bool(email.enable_confirmations, false),
      minimumPasswordLength: num(auth.minimum_password_length, 6),
      refreshTokenReuseInterval: num(auth.refresh_token_reuse_interval, 10),
      email: {
        doubleConfirmChanges: bool(email.double_confirm_changes, true),
        securePasswordChange: bool(email.secure_password_change, false),
        maxFrequencySeconds: seconds(email.max_frequency, 1),
        otpExpirySeconds: num(email.otp_expiry, 3600),
        otpLength: num(email.otp_length, 6),
      },
    },
    functions,
  };
}

/** Reads supabase/config.toml (or another file); a missing file means the CLI's defaults. */
export function loadConfig(file = supabasePath('config.toml')): StackConfig {
  let source = '';
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const config = configFromToml(source);
  // The Supabase CLI lets SUPABASE_<SECTION>_<KEY> override config.toml; the e2e needs this one (see playwright.config.ts).
  const jwtExpiry = Number(process.env.SUPABASE_AUTH_JWT_EXPIRY);
  if (Number.isInteger(jwtExpiry) && jwtExpiry > 0) config.auth.jwtExpiry = jwtExpiry;
  return config;
}
