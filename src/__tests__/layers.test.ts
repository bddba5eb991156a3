import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The repo's own eslint.config.js (vitest runs from the repository root), on in-memory files.
const eslint = new ESLint();

/** The rule ids ESLint reports for `code` as if it were the file at `filePath`. */
async function violations(filePath: string, code: string): Promise<(string | null)[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result ? result.messages.map((message) => message.ruleId) : [];
}

const using = (specifier: string, name: string) => `import { ${name} } from '${specifier}';\nexport const scratch = ${name};\n`;

describe('the SPA layers lint (components -> hooks -> services -> supabase-js)', { timeout: 60_000 }, () => {
  it('refuses the Supabase client anywhere but services', async () => {
    expect(await violations('src/components/queue/Scratch.tsx', using('@/integrations/supabase/client', 'supabase'))).toEqual(['import-x/no-restricted-paths']);
    expect(await violations('src/hooks/useScratch.ts', using('@supabase/supabase-js', 'createClient'))).toEqual(['import-x/no-restricted-paths']);
    expect(await violations('src/services/queue/scratchService.ts', using('@/integrations/supabase/client', 'supabase'))).toEqual([]);
  });

  it('refuses a service in a component or a page, by alias or by relative path; hooks may call it', async () => {
    expect(await violations('src/components/queue/Scratch.tsx', using('@/services/queue/queueService', 'listLeads'))).toEqual(['import-x/no-restricted-paths']);
    expect(await violations('src/pages/Scratch.tsx', using('../services/auth/authService', 'signIn'))).toEqual(['import-x/no-restricted-paths']);
    expect(await violations('src/hooks/useScratch.ts', using('@/services/queue/queueService', 'listLeads'))).toEqual([]);
  });

  it('lets a component test import the faked service it drives', async () => {
    expect(await violations('src/components/queue/Scratch.test.tsx', using('@/services/queue/queueService', 'queueLeads'))).toEqual([]);
  });

  it('keeps ui primitives free of feature components, and imports one way', async () => {
    expect(await violations('src/components/ui/scratch.tsx', using('@/components/queue/LoadErrorAlert', 'LoadErrorAlert'))).toEqual([
      'import-x/no-restricted-paths',
    ]);
    expect(await violations('src/services/scratchService.ts', using('@/hooks/useLoader', 'useLoader'))).toEqual(['import-x/no-restricted-paths']);
  });

  it('refuses an import cycle', async () => {
    // useLeads imports useLoader: useLoader importing useLeads back closes the loop.
    expect(await violations('src/hooks/useLoader.ts', using('./useLeads', 'useLeads'))).toEqual(['import-x/no-cycle']);
  });

  it('refuses climbing out of src: shared modules come through @shared', async () => {
    expect(await violations('src/lib/scratch.ts', using('../../supabase/functions/_shared/settingsDefaults.ts', 'QUEUE_SETTINGS_DEFAULTS'))).toEqual([
      'no-restricted-imports',
    ]);
    expect(await violations('src/lib/scratch.ts', using('@shared/settingsDefaults.ts', 'QUEUE_SETTINGS_DEFAULTS'))).toEqual([]);
  });
});
