import { test, expect } from '@playwright/test';
import { ADMIN, ANNOTATOR, hydrated, signIn } from './helpers';
import { addPerson } from './workbench';

test('an admin signs in, sees the three tasks judged by the embedded worker, and signs out', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(err.message));

  await signIn(page, ADMIN);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('current-user')).toHaveText(ADMIN.email);

  const cards = page.getByTestId('task-card');
  await expect(cards).toHaveCount(3);
  for (const task of ['interest', 'tag', 'explanation']) {
    const card = page.locator(`[data-testid="task-card"][data-task="${task}"]`);
    await expect(card.getByTestId('total-count').locator('dd')).toHaveText('40');
  }
  // The worker inside `cojudge serve` judges every demo item (against the fake endpoint).
  await expect(async () => {
    await page.reload();
    for (const task of ['interest', 'tag', 'explanation']) {
      const card = page.locator(`[data-testid="task-card"][data-task="${task}"]`);
      await expect(card.locator('[data-state="queued"] dd')).toHaveText('0', { timeout: 1000 });
      await expect(card.locator('[data-state="judging"] dd')).toHaveText('0', { timeout: 1000 });
    }
  }).toPass({ timeout: 30_000 });
  await hydrated(page);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  expect(errors).toEqual([]);
});

test('a wrong password shows an error and does not sign in', async ({ page }) => {
  await signIn(page, { email: ADMIN.email, password: 'not-the-password' });
  await expect(page.getByTestId('login-error')).toHaveText('Wrong e-mail address or password.');
  await expect(page).toHaveURL(/\/login/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
});

test('an annotator cannot open the admin users page', async ({ page }) => {
  await signIn(page, ANNOTATOR);
  await expect(page.getByTestId('current-role')).toHaveText('annotator');
  await expect(page.getByRole('link', { name: 'Users' })).toHaveCount(0);

  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
  await expect(page.getByTestId('users-table')).toHaveCount(0);
});

test('an admin opens the users page from the navigation', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
  await expect(page.getByTestId('users-table')).toContainText(ANNOTATOR.email);
});

test('a signed-out visitor is sent to sign in and comes back to the page asked for', async ({ page }) => {
  const response = await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/login\?next=%2Fadmin%2Fusers|\/login\?next=\/admin\/users/);
  expect(response?.status()).toBe(200);
  await hydrated(page);
  await page.getByLabel('E-mail').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/admin\/users$/);
});

test('an unknown address shows the 404 page', async ({ page }) => {
  await signIn(page, ADMIN);
  await expect(page.getByTestId('current-user')).toBeVisible();
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('not-found')).toBeVisible();
});

test('an admin disables an account on the users page: it is signed out at once, and enabled again it can sign in', async ({ browser }) => {
  const person = addPerson('annotator');
  const theirs = await browser.newPage();
  await signIn(theirs, person);
  await expect(theirs.getByTestId('current-user')).toHaveText(person.email);

  const admin = await browser.newPage();
  await signIn(admin, ADMIN, '/login?next=/admin/users');
  await expect(admin).toHaveURL(/\/admin\/users$/);
  await hydrated(admin);
  const row = admin.locator(`[data-testid="user-row"][data-email="${person.email}"]`);
  await expect(row).toHaveAttribute('data-status', 'active');
  // An admin has no button for their own account.
  await expect(admin.locator(`[data-testid="user-row"][data-email="${ADMIN.email}"] button`)).toHaveCount(0);
  await row.getByRole('button', { name: `Disable ${person.email}` }).click();
  await expect(admin.getByTestId('users-status')).toContainText(`Disabled ${person.email}: 1 session ended`);
  await expect(row).toHaveAttribute('data-status', 'disabled');

  await theirs.reload();
  await expect(theirs).toHaveURL(/\/login/);
  await signIn(theirs, person);
  await expect(theirs.getByTestId('login-error')).toHaveText('Wrong e-mail address or password.');

  await row.getByRole('button', { name: `Enable ${person.email}` }).click();
  await expect(admin.getByTestId('users-status')).toContainText(`Enabled ${person.email}`);
  await expect(row).toHaveAttribute('data-status', 'active');
  await signIn(theirs, person);
  await expect(theirs.getByTestId('current-user')).toHaveText(person.email);
});
