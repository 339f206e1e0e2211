// The admin's task settings page and the annotator's My work page, used as people use them.
import { test, expect } from '@playwright/test';
import { hydrated, signIn } from './helpers';
import { addItems, addPerson, makeTask, sql } from './workbench';

test('an admin turns on blind mode and raises the threshold: a new rubric version, an audit entry, and annotators see no suggestion', async ({ page, browser }) => {
  const task = makeTask();
  addItems(task, 1);
  await signIn(page, addPerson('admin'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/admin/tasks/${task}`);
  await hydrated(page);
  await page.getByLabel('Confidence threshold (0-1): below it, items go to humans').fill('0.9');
  await page.getByLabel('Confidence threshold (0-1): below it, items go to humans').blur();
  await page.getByLabel(/Show the judge's suggestion/).uncheck();
  await page.getByLabel('Why (stored with the version)').fill('blind pilot');
  await page.getByTestId('save-settings').click();
  await expect(page.getByTestId('settings-saved')).toHaveText('Saved as rubric version 2.');
  await expect(page.getByTestId('versions').locator('tbody tr')).toHaveCount(2);
  await expect(page.getByTestId('versions').locator('tbody tr').first()).toContainText('blind pilot');
  await expect(page.getByTestId('audit-log').locator('tbody tr').first()).toContainText('task.settings');
  await expect(page.getByTestId('audit-log').locator('tbody tr').first()).toContainText('routing.confidence_threshold');
  expect(sql(`SELECT r.definition #>> '{routing,confidence_threshold}', r.definition #>> '{routing,show_judge_suggestion}'
              FROM rubrics r JOIN tasks t ON t.id = r.task_id AND r.version = t.current_rubric WHERE t.name = '${task}'`))
    .toEqual([['0.9', 'false']]);

  const annotator = await (await browser.newContext()).newPage();
  await signIn(annotator, addPerson('annotator'));
  await expect(annotator).toHaveURL(/\/$/);
  await annotator.goto(`/tasks/${task}/review`);
  await expect(annotator.getByTestId('review-item')).toBeVisible();
  await expect(annotator.getByTestId('no-suggestion')).toBeVisible();
  await expect(annotator.getByTestId('judge-suggestion')).toHaveCount(0);
});

test('annotators cannot open task settings', async ({ page }) => {
  const task = makeTask();
  await signIn(page, addPerson('annotator'));
  await expect(page).toHaveURL(/\/$/);
  const response = await page.goto(`/admin/tasks/${task}`);
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
});

test('My work counts what the annotator answered today', async ({ page }) => {
  const task = makeTask();
  addItems(task, 2, { golden: (n) => n === 0 });
  await signIn(page, addPerson('annotator'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/tasks/${task}/review`);
  for (let n = 0; n < 2; n++) {
    const item = page.getByTestId('review-item');
    await expect(item).toBeVisible();
    const id = await item.getAttribute('data-external-id');
    for (const key of ['1', '2', '3', 'r']) await page.keyboard.press(key);
    await page.keyboard.press('Enter');
    await expect(page.locator(`[data-testid="review-item"][data-external-id="${id}"]`)).toHaveCount(0);
  }
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  // Answers are saved in the background; My work reads what is saved when it opens.
  await expect.poll(() => sql(`SELECT count(*) FROM annotations a JOIN items i ON i.id = a.item_id
                               JOIN tasks t ON t.id = i.task_id WHERE t.name = '${task}'`)).toEqual([['2']]);
  await page.getByRole('link', { name: 'My work' }).click();
  const row = page.locator(`[data-testid="work-row"][data-task="${task}"]`);
  await expect(row.getByTestId('today')).toHaveText('2');
  await expect(row.getByTestId('total')).toHaveText('2');
  // The golden item's labels are all `pass`; validity was answered `fail` (r): 3 of 4 match.
  await expect(row.getByTestId('golden')).toHaveText('75.0%');
});
