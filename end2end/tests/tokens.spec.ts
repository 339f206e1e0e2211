import { test, expect } from '@playwright/test';
import { ADMIN, signIn } from './helpers';

test('an admin creates an API token, sees it once, finds it listed and revokes it', async ({ page }) => {
  const name = `e2e-token-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  await signIn(page, ADMIN);
  await expect(page.getByTestId('current-user')).toHaveText(ADMIN.email);
  await page.getByRole('link', { name: 'Tokens' }).click();
  await expect(page).toHaveURL(/\/admin\/tokens$/);

  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Role').selectOption('trainer');
  await page.getByLabel('Expires (optional)').fill('30d');
  await page.getByRole('button', { name: 'Create token' }).click();

  const secret = page.getByTestId('new-token');
  await expect(secret).toHaveText(/^cjt_[A-Za-z0-9]{40}$/);
  await expect(page.getByText('it will not be shown again')).toBeVisible();
  const token = (await secret.textContent()) ?? '';

  const row = page.locator(`[data-testid="token-row"][data-name="${name}"]`);
  await expect(row).toHaveAttribute('data-status', 'active');
  await expect(row).toContainText('trainer');
  await expect(row).toContainText(`${token.slice(0, 12)}…`);
  await expect(page.getByTestId('tokens-table')).not.toContainText(token);

  const whoami = await page.request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${token}` } });
  expect(whoami.status()).toBe(200);
  expect(await whoami.json()).toEqual({ name, role: 'trainer' });

  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(row).toHaveAttribute('data-status', 'revoked');
  await expect(row.getByRole('button', { name: `Revoke ${name}` })).toHaveCount(0);

  await page.reload();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await expect(page.locator(`[data-testid="token-row"][data-name="${name}"]`)).toHaveAttribute('data-status', 'revoked');
  const refused = await page.request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
});
