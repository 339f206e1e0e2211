// The Export page, used as a trainer uses it: choose a dataset, start it, watch it finish and
// download the file; the form names mistakes before anything is sent; annotators have no access.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hydrated, signIn } from './helpers';
import { addItems, addPerson, makeTask } from './workbench';

test('a trainer exports qualified items as Parquet and downloads the file', async ({ page }) => {
  const task = makeTask({ auditRate: 0 });
  // Confident judge answers (every criterion `pass`): auto-accepted, qualified verdicts.
  addItems(task, 6, { confidence: 0.95 });
  await signIn(page, addPerson('trainer'));
  await expect(page).toHaveURL(/\/$/);
  await page.getByRole('link', { name: 'Export' }).click();
  await expect(page).toHaveURL(/\/exports$/);
  await hydrated(page);

  await page.getByTestId('export-task').selectOption(task);
  await page.getByTestId('export-shape').selectOption('sft');
  await expect(page.getByTestId('shape-description')).toContainText('qualified items only');
  await page.getByTestId('export-format').selectOption('parquet');
  await expect(page.getByTestId('export-command')).toHaveText(
    `cojudge export --task ${task} --shape sft --format parquet --out DIR`);
  await page.getByTestId('export-start').click();

  const row = page.getByTestId('export-row').first();
  await expect(row).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
  await expect(row).toContainText('6 rows');
  const link = row.getByTestId('export-file');
  await expect(link).toHaveText(`${task}-sft.parquet`);
  const sha = (await link.getAttribute('title'))!.replace('sha256 ', '');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe(`${task}-sft.parquet`);
  const bytes = readFileSync((await download.path())!);
  expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
  expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
});

test('the form names what is wrong before starting anything', async ({ page }) => {
  await signIn(page, addPerson('trainer'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto('/exports');
  await hydrated(page);
  await page.getByTestId('export-shape').selectOption('judge-sft');
  await page.getByTestId('export-validation').fill('80');
  await page.getByTestId('export-rebalance').fill('0.7');
  await page.getByTestId('export-start').click();
  const problems = page.getByTestId('export-problems');
  await expect(problems).toContainText('validation_fraction: must be between 0 and 0.5');
  await expect(problems).toContainText('rebalance.target_minority_share');
  await expect(page.getByTestId('export-command')).toHaveCount(0);
});

test('annotators see no Export link and cannot open the page', async ({ page }) => {
  await signIn(page, addPerson('annotator'));
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('link', { name: 'Export' })).toHaveCount(0);
  const response = await page.goto('/exports');
  expect(response?.status()).toBe(403);
});
