import { describe, expect, it } from 'vitest';
import { parseSupabaseEnv } from '../env';

const key = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.x';

describe('parseSupabaseEnv', () => {
  it('accepts a URL and a key', () => {
    expect(parseSupabaseEnv({ VITE_SUPABASE_URL: 'http://127.0.0.1:54321', VITE_SUPABASE_ANON_KEY: key })).toEqual({
      VITE_SUPABASE_URL: 'http://127.0.0.1:54321',
      VITE_SUPABASE_ANON_KEY: key,
    });
  });

  it('says which variable is wrong and how to fix it', () => {
    expect(() => parseSupabaseEnv({ VITE_SUPABASE_URL: 'localhost' })).toThrow(
      /VITE_SUPABASE_URL: must be the API URL[\s\S]*VITE_SUPABASE_ANON_KEY[\s\S]*npm start/,
    );
  });
});
