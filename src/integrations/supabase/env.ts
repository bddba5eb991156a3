import * as z from 'zod/mini';

const EnvSchema = z.object({
  VITE_SUPABASE_URL: z.url({ message: 'must be the API URL, e.g. http://127.0.0.1:54321' }),
  VITE_SUPABASE_ANON_KEY: z.string().check(z.minLength(20, { message: 'must be the anon (publishable) key' })),
});

export type SupabaseEnv = z.infer<typeof EnvSchema>;

/** Parses the Vite env once; a missing or wrong value says which and how to fix it. */
export function parseSupabaseEnv(env: Record<string, unknown>): SupabaseEnv {
  const result = EnvSchema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `- ${issue.path.join('.')}: ${issue.message}`);
  throw new Error(
    `Invalid Supabase configuration:\n${lines.join('\n')}\n` +
      'Set them in .env (see .env.example) or start the local stack with `npm start`.',
  );
}
