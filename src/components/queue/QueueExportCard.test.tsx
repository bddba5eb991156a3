import { screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { downloadBlob } from '@/lib/download';
import { exportQueueFile } from '@/services/leads/exportService';
import { renderApp } from '@tests/support/app/renderApp';
import { QueueExportCard } from './QueueExportCard';

vi.mock('@/lib/download', () => ({ downloadBlob: vi.fn() }));

describe('QueueExportCard', () => {
  it("defaults to the browser's own days, so an item of the last hours before local midnight is in the range", async () => {
    // 23:10 UTC on 1 December is 01:10 on 2 December in Jerusalem (the test browser's zone).
    vi.spyOn(Date, 'now').mockReturnValue(new Date('2026-12-01T23:10:00Z').getTime());
    const { user } = renderApp({ ui: <QueueExportCard clientId="client-1" /> });
    expect(await screen.findByTestId('export-to')).toHaveValue('2026-12-02');
    expect(screen.getByTestId('export-from')).toHaveValue('2026-11-02');
    await user.click(screen.getByTestId('export-button'));
    const filter = vi.mocked(exportQueueFile).mock.calls.at(-1)![0];
    expect(filter.from).toBe('2026-11-01T22:00:00.000Z');
    expect(filter.to).toBe('2026-12-02T22:00:00.000Z');
    expect(Date.parse(filter.to)).toBeGreaterThan(Date.now());
    expect(vi.mocked(downloadBlob)).toHaveBeenCalledWith(expect.any(Blob), 'queue-export-2026-11-02-2026-12-02.csv');
  });
});
