// The metrics page, used as people use it: answers given on the review page become judge
// agreement, and an admin applies the recommended routing threshold in one click.
import { test, expect } from '@playwright/test';
import { hydrated, signIn } from './helpers';
import { addItems, addPerson, humanVerdicts, judgeEval, makeTask, sql } from './workbench';

test('answers given by keyboard show up as judge agreement on golden items', async ({ page, browser }) => {
  const task = makeTask({ annotationsPerAuditItem: 1 });
  // Golden items go to humans whatever the judge says: an unbiased sample. The judge said
  // `pass` everywhere; the annotator agrees on three items and fails one criterion on the fourth.
  addItems(task, 4, { golden: () => true });
  await signIn(page, addPerson('annotator'));
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/tasks/${task}/review`);
  for (let n = 0; n < 4; n++) {
    const item = page.getByTestId('review-item');
    await expect(item).toBeVisible();
    const id = await item.getAttribute('data-external-id');
    const keys = n === 3 ? ['1', '2', '3', 'r'] : ['1', '2', '3', '4'];
    for (const key of keys) await page.keyboard.press(key);
    await page.keyboard.press('Enter');
    await expect(page.locator(`[data-testid="review-item"][data-external-id="${id}"]`)).toHaveCount(0);
  }
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  await expect.poll(() => sql(`SELECT count(*) FROM verdicts v JOIN items i ON i.id = v.item_id
                               JOIN tasks t ON t.id = i.task_id WHERE t.name = '${task}'`)).toEqual([['4']]);

  const trainer = await (await browser.newContext()).newPage();
  await signIn(trainer, addPerson('trainer'));
  await expect(trainer).toHaveURL(/\/$/);
  await trainer.locator(`[data-testid="task-card"][data-task="${task}"]`).getByTestId('task-metrics').click();
  await expect(trainer).toHaveURL(new RegExp(`/tasks/${task}/metrics$`));
  // Golden items are no sample of the stream: the default, stream-wide view leaves them out.
  await expect(trainer.getByTestId('no-metrics')).toContainText('Golden items are counted apart');
  await hydrated(trainer);
  await trainer.getByTestId('sample').selectOption('unbiased');
  await expect(trainer.getByTestId('sample-note')).toContainText('audit and golden items only');
  const overall = trainer.locator('[data-testid="agreement-row"][data-criterion=""]');
  await expect(overall.getByTestId('pairs')).toHaveText('4');
  await expect(overall.getByTestId('accuracy')).toHaveText(/^75\.0% \(/);
  const validity = trainer.locator('[data-testid="agreement-row"][data-criterion="validity"]');
  await expect(validity.getByTestId('accuracy')).toHaveText(/^75\.0% \(/);
  const relevance = trainer.locator('[data-testid="agreement-row"][data-criterion="relevance"]');
  await expect(relevance.getByTestId('accuracy')).toHaveText(/^100\.0% \(/);
  await expect(trainer.getByTestId('confusion')).toHaveCount(5);
  // And the judge against the golden items' known labels, apart: the known labels all pass.
  const golden = trainer.locator('[data-testid="golden-row"][data-criterion=""]');
  await expect(golden.getByTestId('pairs')).toHaveText('4');
  await expect(golden.getByTestId('accuracy')).toHaveText(/^100\.0% \(/);
  await expect(trainer.getByTestId('reliability-chart').locator('svg')).toBeVisible();
  // Not enough items for a 95% target with 95% confidence.
  await expect(trainer.getByTestId('no-recommendation')).toBeVisible();
  // Trainers see the recommendation but cannot change routing, nor see annotators' figures.
  await expect(trainer.getByTestId('apply-threshold')).toHaveCount(0);
  await expect(trainer.getByTestId('annotator-quality')).toHaveCount(0);

  // Admins see each annotator's accuracy on golden items: 15 of 16 criterion labels.
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, addPerson('admin'));
  await expect(admin).toHaveURL(/\/$/);
  await admin.goto(`/tasks/${task}/metrics`);
  await hydrated(admin);
  const row = admin.getByTestId('annotator-quality-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('golden-accuracy')).toHaveText(/^93\.8% \(/);
});

test('an admin applies the recommended threshold: a new rubric version and an audit entry', async ({ page }) => {
  // Every confidently judged item is audited (audit rate 1): 100 items at confidence 0.93,
  // on which humans agreed with the judge.
  const task = makeTask({ auditRate: 1 });
  addItems(task, 100, { confidence: 0.93 });
  const admin = addPerson('admin');
  humanVerdicts(task, admin);
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/tasks/${task}/metrics`);
  await hydrated(page);
  await expect(page.locator('[data-testid="agreement-row"][data-criterion=""]').getByTestId('pairs')).toHaveText('100');
  const recommendation = page.getByTestId('recommendation');
  await expect(recommendation).toContainText('Recommended threshold 0.93');
  await expect(recommendation).toContainText('Current threshold: 0.80');
  await page.getByTestId('apply-threshold').click();
  await expect(page.getByTestId('threshold-applied')).toBeVisible();
  await expect(recommendation).toContainText('Current threshold: 0.93');
  expect(sql(`SELECT t.current_rubric, r.definition #>> '{routing,confidence_threshold}'
              FROM tasks t JOIN rubrics r ON r.task_id = t.id AND r.version = t.current_rubric
              WHERE t.name = '${task}'`)).toEqual([['2', '0.93']]);
  expect(sql(`SELECT count(*) FROM audit_log a WHERE a.action = 'task.settings'
              AND a.details::text LIKE '%routing.confidence_threshold%'
              AND a.target_id = '${task}'`)).toEqual([['1']]);

  // On the stream every audited item stands for itself here (audit rate 1): the same 100.
  await expect(page.getByTestId('sample-note')).toContainText('Estimated over every item');
  // The biased view counts the same items here (all were audited), and says it is biased.
  await page.getByTestId('sample').selectOption('all_reviewed');
  await expect(page.getByTestId('sample-note')).toContainText('biased');
});

test('annotators cannot open the metrics page', async ({ page }) => {
  const task = makeTask();
  await signIn(page, addPerson('annotator'));
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator(`[data-testid="task-card"][data-task="${task}"]`).getByTestId('task-metrics')).toHaveCount(0);
  const response = await page.goto(`/tasks/${task}/metrics`);
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('forbidden')).toBeVisible();
});

test('an admin promotes a candidate judge tried with `cojudge judge eval`', async ({ page }) => {
  const task = makeTask({ auditRate: 1 });
  addItems(task, 5, { confidence: 0.93 });
  const admin = addPerson('admin');
  humanVerdicts(task, admin);
  const printed = judgeEval(task, 'candidate-e2e');
  expect(printed).toContain('5 items judged by the candidate');
  expect(printed).toMatch(/^overall\s+candidate candidate-e2e/m);

  await signIn(page, admin);
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/tasks/${task}/metrics`);
  await hydrated(page);
  const row = page.getByTestId('evaluation-row');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('candidate-e2e');
  await row.getByTestId('promote').click();
  await expect(row).toContainText('promoted');
  expect(sql(`SELECT r.definition #>> '{judge,model}' FROM rubrics r JOIN tasks t ON t.id = r.task_id
              AND r.version = t.current_rubric WHERE t.name = '${task}'`)).toEqual([['candidate-e2e']]);
});

test('a task whose judge drifted this week is flagged on its card, linking to its metrics', async ({ page }) => {
  // Every confident item audited; humans failed all 30 items the judge passed.
  const task = makeTask({ auditRate: 1 });
  addItems(task, 30, { confidence: 0.93 });
  const reviewer = addPerson('reviewer');
  humanVerdicts(task, reviewer, { agree: false });
  await signIn(page, reviewer);
  await expect(page).toHaveURL(/\/$/);
  const badge = page.locator(`[data-testid="task-card"][data-task="${task}"]`).getByTestId('drift-badge');
  await expect(badge).toContainText('agreed on 0.0% of 30 verdicts, below the 95% target');
  await badge.click();
  await expect(page).toHaveURL(new RegExp(`/tasks/${task}/metrics$`));
  await expect(page.getByTestId('drift-warning')).toBeVisible();
});
