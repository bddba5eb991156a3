import { screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '@/services/errors';
import * as authService from '@/services/auth/authService';
import { renderApp } from '@tests/support/app/renderApp';

describe('Login', () => {
  it('sends a signed-out visitor to the sign-in form', async () => {
    renderApp({ route: '/admin/queue-management', as: null });
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
    expect(document.querySelector('input[name="email"]')).toBeInTheDocument();
    expect(document.querySelector('input[name="password"]')).toBeInTheDocument();
    expect(document.querySelector('button[type="submit"]')).toHaveTextContent('Sign in');
  });

  it('says clearly when the credentials are wrong', async () => {
    const { user } = renderApp({ route: '/login', as: null });
    await user.type(await screen.findByLabelText('Email'), 'test@test.test');
    await user.type(screen.getByLabelText('Password'), 'wrong-password');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByTestId('login-error')).toHaveTextContent('Wrong email or password. Check both and try again.');
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument();
  });

  it('signs in and lands on the dashboard, or where the visitor was going', async () => {
    const { user } = renderApp({ route: '/admin/queue-management', as: null });
    await user.type(await screen.findByLabelText('Email'), 'test@test.test');
    await user.type(screen.getByLabelText('Password'), 'testtesttest');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { name: 'Queue management' })).toBeInTheDocument();
    expect(authService.signIn).toHaveBeenCalledWith('test@test.test', 'testtesttest');
  });

  it('shows other sign-in failures in words, by their code', async () => {
    const { vi } = await import('vitest');
    vi.mocked(authService.signIn).mockRejectedValueOnce(new ServiceError('network', 'Failed to fetch', {}, 0));
    const { user } = renderApp({ route: '/login', as: null });
    await user.type(await screen.findByLabelText('Email'), 'test@test.test');
    await user.type(screen.getByLabelText('Password'), 'x');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByTestId('login-error')).toHaveTextContent('The server could not be reached. Check your connection.'));
  });

  it('checks empty and malformed fields on the spot, sends nothing, and puts the focus on the first one', async () => {
    const { user } = renderApp({ route: '/login', as: null });
    await user.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText('Email')).toHaveFocus();
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter your email address.');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('Enter your password.');
    expect(authService.signIn).not.toHaveBeenCalled();

    await user.type(screen.getByLabelText('Email'), 'test@test');
    await user.tab();
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter an email address like name@example.com.');
    await user.type(screen.getByLabelText('Email'), '.test');
    expect(screen.getByLabelText('Email')).not.toHaveAttribute('aria-invalid');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByLabelText('Password')).toHaveFocus();
    expect(authService.signIn).not.toHaveBeenCalled();
  });
});
