/**
 * Setup for the `ui` vitest project (jsdom). The service layer — the only code that talks to
 * Supabase — is replaced by in-memory fakes; everything else (i18n, router, hooks) is real.
 */
import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { toast } from 'sonner';
import { afterEach, beforeEach, vi } from 'vitest';

// A cold CI machine transforms lazy chunks (the holiday calendar) on first use: give async queries room.
configure({ asyncUtilTimeout: 5000 });

vi.mock('@/services/auth/authService', async () => (await import('./fakes/authService')).authService);
vi.mock('@/services/queue/queueService', async () => (await import('./fakes/queueService')).queueService);
vi.mock('@/services/queue/queueChangesService', async () => (await import('./fakes/queueChangesService')).queueChangesService);
vi.mock('@/services/queue/queueSettingsService', async () => (await import('./fakes/queueSettingsService')).queueSettingsService);
vi.mock('@/services/queue/queueMetricsService', async () => (await import('./fakes/queueMetricsService')).queueMetricsService);
vi.mock('@/services/connectionService', async () => (await import('./fakes/connectionService')).connectionService);

// jsdom lacks what Radix primitives and the virtualiser call.
class ResizeObserverStub implements ResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub;
Element.prototype.hasPointerCapture ??= () => false;
Element.prototype.releasePointerCapture ??= () => {};
Element.prototype.setPointerCapture ??= () => {};
Element.prototype.scrollIntoView ??= () => {};
// jsdom does no layout; give elements a laptop-sized box so the lead grid's virtualiser renders rows.
Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 480 });
Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 960 });
window.matchMedia ??= ((query: string) => ({
  matches: false,
  media: query,
  onchange: null,
  addListener: () => {},
  removeListener: () => {},
  addEventListener: () => {},
  removeEventListener: () => {},
  dispatchEvent: () => false,
})) as typeof window.matchMedia;

beforeEach(async () => {
  const { resetBackend } = await import('./backend');
  resetBackend();
  localStorage.clear();
  const i18n = (await import('@/i18n')).default;
  await i18n.changeLanguage('en');
});

afterEach(() => {
  toast.dismiss(); // sonner replays still-active toasts to the next test's Toaster
  cleanup();
  vi.restoreAllMocks();
  vi.resetAllMocks();
  vi.useRealTimers();
});
