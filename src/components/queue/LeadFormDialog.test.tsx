import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import * as leadService from '@/services/leads/leadService';
import { lead } from '@tests/support/app/backend';
import { renderApp } from '@tests/support/app/renderApp';
import { LeadSelectionGrid } from './LeadSelectionGrid';

const CLIENT = '11111111-1111-4111-8111-111111111111';
const renderGrid = () => renderApp({ ui: <LeadSelectionGrid clientId={CLIENT} readOnly={false} /> });

// Typing a whole form is slow under the shared machine's load: more time than the suite's 20 s.
describe('LeadFormDialog', () => {
  it("adds a lead with its phone read in the client's region (E.164), its email and tags; a bad phone is refused in words", async () => {
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-add'));
    await user.type(screen.getByTestId('lead-name'), 'Maya Cohen');
    await user.type(screen.getByTestId('lead-phone'), '12345');
    await user.click(screen.getByTestId('lead-save'));
    expect(await screen.findByText('This is not a phone number we can read.')).toBeInTheDocument();
    expect(leadService.saveLead).not.toHaveBeenCalled();
    await user.clear(screen.getByTestId('lead-phone'));
    await user.type(screen.getByTestId('lead-phone'), '052-7654321');
    await user.type(screen.getByTestId('lead-email'), 'maya@example.com');
    await user.type(screen.getByTestId('lead-tags'), 'vip, 2026, vip');
    await user.click(screen.getByTestId('lead-save'));
    await waitFor(() =>
      expect(leadService.saveLead).toHaveBeenCalledWith(CLIENT, { name: 'Maya Cohen', phone: '+972527654321', email: 'maya@example.com', tags: ['vip', '2026'] }, undefined),
    );
    await waitFor(() => expect(screen.queryByTestId('lead-dialog')).not.toBeInTheDocument());
  }, 40_000);

  it('edits the one selected lead, and opts it out only after a confirmation', async () => {
    const { user } = renderGrid();
    await user.click(await screen.findByTestId('lead-checkbox-1'));
    await user.click(screen.getByTestId('lead-edit'));
    expect(screen.getByTestId('lead-name')).toHaveValue('Avi Cohen');
    await user.clear(screen.getByTestId('lead-name'));
    await user.type(screen.getByTestId('lead-name'), 'Renamed');
    await user.click(screen.getByTestId('lead-save'));
    await waitFor(() => expect(leadService.saveLead).toHaveBeenCalledWith(CLIENT, expect.objectContaining({ name: 'Renamed', phone: lead(1).phone }), lead(1).id));

    // The lead stays selected after the save: edit it again to opt it out.
    await waitFor(() => expect(screen.queryByTestId('lead-dialog')).not.toBeInTheDocument());
    await user.click(screen.getByTestId('lead-edit'));
    await user.click(screen.getByTestId('opt-out'));
    expect(leadService.optOutLead).not.toHaveBeenCalled();
    await user.click(screen.getByTestId('opt-out-confirm'));
    await waitFor(() => expect(leadService.optOutLead).toHaveBeenCalledWith(lead(1).id));
  }, 40_000);
});
