import { describe, expect, it } from 'vitest';
import { configFromToml, loadConfig, parseDotenv } from '@leads-queue/local-supabase';

describe('supabase/config.toml as the local stack reads it', () => {
  it('reads the project config: ports, auth and per-function verify_jwt', () => {
    const config = loadConfig();
    expect(config.api).toEqual({ port: 54321, schemas: ['public', 'graphql_public'], maxRows: 1000 });
    expect(config.db.port).toBe(54322);
    expect(config.auth).toMatchObject({ jwtExpiry: 3600, enableSignup: true, enableConfirmations: false });
    expect(config.functions).toEqual({
      'queue-leads': { verifyJwt: true },
      'queue-processor': { verifyJwt: true },
      'agent-callback': { verifyJwt: false },
    });
  });

  it('lets SUPABASE_AUTH_JWT_EXPIRY override the token lifetime, as the CLI lets SUPABASE_<SECTION>_<KEY> do', () => {
    const before = process.env.SUPABASE_AUTH_JWT_EXPIRY;
    try {
      process.env.SUPABASE_AUTH_JWT_EXPIRY = '86400';
      expect(loadConfig().auth.jwtExpiry).toBe(86400);
      process.env.SUPABASE_AUTH_JWT_EXPIRY = 'soon';
      expect(loadConfig().auth.jwtExpiry).toBe(3600);
    } finally {
      if (before === undefined) delete process.env.SUPABASE_AUTH_JWT_EXPIRY;
      else process.env.SUPABASE_AUTH_JWT_EXPIRY = before;
    }
  });

  it('falls back to the CLI defaults and understands comments, quotes and arrays', () => {
    const config = configFromToml(`
      # comment
      [api]
      schemas = ["public", "api # not a comment"] # trailing
      [auth]
      enable_signup = false
      jwt_expiry = 1_800
      [auth.email]
      enable_confirmations = true
      [functions."hook"]
      verify_jwt = false
    `);
    expect(config.api).toEqual({ port: 54321, schemas: ['public', 'api # not a comment'], maxRows: 1000 });
    expect(config.auth).toMatchObject({ enableSignup: false, jwtExpiry: 1800, enableConfirmations: true, refreshTokenReuseInterval: 10 });
    expect(config.functions).toEqual({ hook: { verifyJwt: false } });
    expect(() => configFromToml('[api]\nport = what')).toThrow('line 2');
  });

  it('reads function secrets from a dotenv file', () => {
    expect(parseDotenv('# c\nA=1\nexport B="two words"\nC=\'x#y\'\nD=plain # comment\nnot a line\n')).toEqual({
      A: '1',
      B: 'two words',
      C: 'x#y',
      D: 'plain',
    });
  });
});
