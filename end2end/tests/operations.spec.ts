// The operations page, after real work: an annotator reviews items by keyboard, the sampler
// (every second in the e2e server) counts the queue and rolls up the hour, and an admin reads
// the figures, opens the numbers and downloads them as CSV. Trainers see no annotator figures.
import { test, expect, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { hydrated, signIn } from './helpers';
import { addItems, addPerson, makeTask, states } from './workbench';

/** Reviews the next `count` items on the open review page, passing every criterion. */
async function review(page: Page, count: number) {
  for (let n = 0; n < count; n++) {
    const item = page.getByTestId('review-item');
    await expect(item).toBeVisible();
    const id = await item.getAttribute('data-external-id');
    for (const key of ['1', '2', '3', '4']) await page.keyboard.press(key);
    await page.keyboard.press('Enter');
    await expect(page.locator(`[data-testid="review-item"][data-external-id="${id}"]`)).toHaveCount(0);
  }
}

/** The cells of the last row of numbers table `testid`. */
async function lastRow(page: Page, testid: string): Promise<string[]> {
  return page.getByTestId(testid).locator('tbody tr').last().locator('th, td').allTextContents();
}

/** The sums of the numeric columns of table `testid` (the work may straddle an hour), read in
 *  one round trip: the default period has 168 rows, and a call per row is slow on a busy machine. */
async function columnSums(page: Page, testid: string): Promise<number[]> {
  return page.getByTestId(testid).evaluate((table) => {
    const sums: number[] = [];
    for (const row of Array.from(table.querySelectorAll('tbody tr'))) {
      Array.from(row.querySelectorAll('td')).forEach((cell, i) => {
        sums[i] = (sums[i] ?? 0) + Number((cell.textContent ?? '').replace('%', ''));
      });
    }
    return sums;
  });
}

test('an admin sees the work of the hour and the queue, and downloads the numbers as CSV', async ({ page, browser }) => {
  test.slow(); // two browsers, three reviews and the sampler's interval: more than the default 30 s on a busy machine
  const task = makeTask();
  addItems(task, 5);
  const annotator = addPerson('annotator');
  const reviewer = await (await browser.newContext()).newPage();
  await signIn(reviewer, annotator);
  await expect(reviewer).toHaveURL(/\/$/);
  await reviewer.goto(`/tasks/${task}/review`);
  await review(reviewer, 3);
  // Answers are saved in the background: leave the page only once all three are in.
  await expect.poll(() => states(task)).toEqual({ done: 3, human_review: 2 });
  await reviewer.goto('/');

  await signIn(page, addPerson('admin'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/tasks/${task}/metrics`);
  await hydrated(page);
  await page.getByTestId('tab-operations').click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${task}/operations$`));
  await expect(page.getByRole('heading', { name: `Operations: ${task}` })).toBeVisible();

  // The figures lag by at most one sampling interval: reload until this hour shows the work.
  await expect(async () => {
    await page.reload();
    await hydrated(page);
    // Judged, judge errors, candidate judgments, human answers, skips, adjudications: the 5
    // imported judgments and the 3 answers.
    expect(await columnSums(page, 'hourly-table')).toEqual([5, 0, 0, 3, 0, 0]);
    // Time, queued, being judged, awaiting review, adjudication, failed: 2 items still wait.
    const queue = await lastRow(page, 'queue-table');
    expect(queue.slice(1)).toEqual(['0', '0', '2', '0', '0']);
  }).toPass({ timeout: 15_000 });
  await page.getByTestId('period').selectOption('1');
  await expect(page.getByTestId('hourly-table').locator('tbody tr')).toHaveCount(24);

  for (const chart of ['queue-chart', 'hourly-chart', 'human-share-chart', 'tokens-chart', 'cost-chart', 'annotators-chart']) {
    await expect(page.getByTestId(chart).locator('svg')).toBeVisible();
  }
  // By the judge, by annotators, by adjudication, human share.
  expect(await columnSums(page, 'decisions-table')).toEqual([0, 3, 0, 100]);
  const people = page.getByTestId('annotators-table').locator('tbody tr');
  await expect(people).toHaveCount(1);
  await expect(people.locator('td').first()).toHaveText('3');

  // The numbers, opened as a person would, and downloaded as CSV.
  const queueCard = page.locator('section', { has: page.getByTestId('queue-chart') });
  await queueCard.getByText('Numbers').click();
  await expect(page.getByTestId('queue-table')).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('hourly-table-csv').click(),
  ]);
  expect(download.suggestedFilename()).toBe('hourly-table.csv');
  const lines = readFileSync((await download.path())!, 'utf8').trimEnd().split('\r\n');
  expect(lines[0]).toBe('Hour (UTC),Judged,Judge errors,Candidate judgments,Human answers,Skips,Adjudications');
  expect(lines).toHaveLength(25);
  const hour = await lastRow(page, 'hourly-table');
  expect(lines[24]).toBe(hour.join(','));
});

test('trainers see the operations of a task without the annotators', async ({ page }) => {
  const task = makeTask();
  addItems(task, 1);
  await signIn(page, addPerson('trainer'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/tasks/${task}/operations`);
  await hydrated(page);
  await expect(page.getByTestId('queue-chart')).toBeVisible();
  await expect(page.getByTestId('hourly-chart')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Annotator throughput' })).toHaveCount(0);
});

test('annotators may not open the operations page', async ({ page }) => {
  await signIn(page, addPerson('annotator'));
  await expect(page).toHaveURL(/\/$/);
  const response = await page.goto('/tasks/tag/operations');
  expect(response?.status()).toBe(403);
});
