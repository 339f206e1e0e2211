import { expect, Page } from '@playwright/test';

export const ADMIN = { email: 'e2e-admin@example.org', password: 'e2e-admin-password' };
export const ANNOTATOR = { email: 'e2e-annotator@example.org', password: 'e2e-annotator-password' };

/** Waits until the browser has hydrated the page (a marker only browser-side code sets). */
export async function hydrated(page: Page) {
  await expect(page.locator('html[data-hydrated="true"]')).toHaveCount(1);
}

export async function signIn(page: Page, account: { email: string; password: string }, path = '/login') {
  await page.goto(path);
  await hydrated(page);
  await page.getByLabel('E-mail').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
