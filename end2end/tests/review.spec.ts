// Human review in the browser: keyboard-only annotation, K=1 and K=2 overlap, adjudication,
// blind items, lease expiry and late answers, undo, retries after a network failure, markup in
// generated text, and which roles may open which review page.
import { test, expect, Page, Browser } from '@playwright/test';
import { hydrated, signIn } from './helpers';
import { addItems, addPerson, makeTask, Person, sql, states } from './workbench';

async function openReview(page: Page, person: Person, task: string, queue = 'review') {
  await signIn(page, person);
  await expect(page).toHaveURL(/\/$/);
  await page.goto(`/tasks/${task}/${queue}`);
  await hydrated(page);
}

const item = (page: Page) => page.getByTestId('review-item');

async function shownId(page: Page): Promise<string> {
  await expect(item(page)).toBeVisible();
  return (await item(page).getAttribute('data-external-id'))!;
}

/** Answers the item on screen with keys and waits until a different item (or the end) shows. */
async function answerWithKeys(page: Page, keys: string[]): Promise<string> {
  const id = await shownId(page);
  for (const key of keys) await page.keyboard.press(key);
  await page.keyboard.press('Enter');
  await expect(page.locator(`[data-testid="review-item"][data-external-id="${id}"]`)).toHaveCount(0);
  return id;
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  return context.newPage();
}

test('an annotator reviews a batch by keyboard only, with the judge suggestion beside each item', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  const task = makeTask();
  const ids = addItems(task, 4);
  const annotator = addPerson('annotator');
  await openReview(page, annotator, task);

  await expect(page.getByTestId('judge-suggestion')).toContainText('e2e-judge');
  await expect(page.getByTestId('criterion-suggestion').first()).toContainText('Pass (55%)');
  // Choose by key: 1 2 3 4 pass each criterion; w fails the second.
  for (const key of ['1', 'w', '3', '4']) await page.keyboard.press(key);
  await expect(page.getByTestId('verdict')).toHaveText('Not qualified · grade B (fails Consistency)');
  await page.keyboard.press('2');
  await expect(page.getByTestId('verdict')).toHaveText('Qualified · grade S');
  await page.keyboard.press('Enter');
  const answered = ['x'];
  while (answered.length < ids.length) {
    answered.push(await answerWithKeys(page, ['1', '2', '3', '4']));
  }
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  await expect(page.getByTestId('answered')).toHaveText('Answered this visit: 4');
  await expect.poll(() => states(task)).toEqual({ done: 4 });
  const qualified = sql(`SELECT count(*) FILTER (WHERE v.qualified), count(*) FILTER (WHERE v.provenance = 'human')
                         FROM verdicts v JOIN items i ON i.id = v.item_id JOIN tasks t ON t.id = i.task_id WHERE t.name = '${task}'`);
  expect(qualified).toEqual([['4', '4']]);
  expect(errors).toEqual([]);
});

test('Enter with a criterion left open says which, and submits nothing', async ({ page }) => {
  const task = makeTask();
  addItems(task, 1);
  await openReview(page, addPerson('annotator'), task);
  await shownId(page);
  await page.keyboard.press('1');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('notice')).toHaveText('Choose a label for Consistency, Specificity, Validity.');
  expect(states(task)).toEqual({ human_review: 1 });
});

test('two annotators at once with K=1 never see the same item', async ({ browser }) => {
  const task = makeTask({ annotationsPerItem: 1 });
  addItems(task, 6);
  const pages = [await newPage(browser), await newPage(browser)];
  await Promise.all(pages.map((page) => openReview(page, addPerson('annotator'), task)));
  const seen: string[][] = [[], []];
  await Promise.all(pages.map(async (page, who) => {
    while (true) {
      const done = await page.getByTestId('queue-empty').isVisible();
      if (done) break;
      if (!(await item(page).isVisible())) { await page.waitForTimeout(50); continue; }
      seen[who].push(await answerWithKeys(page, ['1', '2', '3', '4']));
    }
  }));
  const overlap = seen[0].filter((id) => seen[1].includes(id));
  expect(overlap).toEqual([]);
  expect(seen[0].length + seen[1].length).toBe(6);
  // Answers are saved in the background: the last may still be on its way when the queue shows empty.
  await expect.poll(() => states(task)).toEqual({ done: 6 });
});

test('with K=2 an item needs two people; their disagreement goes to a reviewer who settles it', async ({ browser }) => {
  const task = makeTask({ annotationsPerItem: 2 });
  const [id] = addItems(task, 1);
  const first = await newPage(browser);
  await openReview(first, addPerson('annotator'), task);
  expect(await answerWithKeys(first, ['1', '2', '3', '4'])).toBe(id);
  await expect(first.getByTestId('queue-empty')).toBeVisible();
  await expect.poll(() => states(task)).toEqual({ human_review: 1 });
  await first.goto(`/tasks/${task}/review`);
  await expect(first.getByTestId('queue-empty')).toBeVisible();

  const second = await newPage(browser);
  await openReview(second, addPerson('annotator'), task);
  await answerWithKeys(second, ['q', '2', '3', '4']);
  await expect.poll(() => states(task)).toEqual({ adjudication: 1 });

  const reviewer = await newPage(browser);
  await openReview(reviewer, addPerson('reviewer'), task, 'adjudicate');
  const answers = reviewer.getByTestId('answers-table');
  await expect(answers.locator('thead th')).toHaveCount(4);
  await expect(answers.locator('tr.disagree')).toHaveCount(1);
  await expect(answers.locator('tr.disagree th')).toHaveText('Relevance');
  await expect(reviewer.getByTestId('judge-suggestion')).toBeVisible();
  await answerWithKeys(reviewer, ['q', '2', '3', '4']);
  await expect(reviewer.getByTestId('queue-empty')).toBeVisible();
  await expect.poll(() => states(task)).toEqual({ done: 1 });
  expect(sql(`SELECT provenance, qualified FROM verdicts v JOIN items i ON i.id = v.item_id WHERE i.external_id = '${id}'`))
    .toEqual([['adjudicated', 'f']]);
});

test('golden items and tasks in blind mode hide the judge', async ({ page }) => {
  const task = makeTask();
  addItems(task, 1, { golden: () => true });
  const annotator = addPerson('annotator');
  await openReview(page, annotator, task);
  const noSuggestion = 'No judge suggestion for this item: answer on your own.';
  await expect(page.getByTestId('no-suggestion')).toHaveText(noSuggestion);
  await expect(page.getByTestId('criterion-suggestion')).toHaveCount(0);
  await expect(page.locator('.choice.suggested')).toHaveCount(0);

  const blindTask = makeTask({ showJudgeSuggestion: false });
  addItems(blindTask, 1);
  await page.goto(`/tasks/${blindTask}/review`);
  // The same words as on the golden item: nothing tells the annotator which items are measured.
  await expect(page.getByTestId('no-suggestion')).toHaveText(noSuggestion);
  await expect(page.getByTestId('judge-suggestion')).toHaveCount(0);
});

test('undo (Z) brings the last item back with its answer, to change it', async ({ page }) => {
  const task = makeTask();
  const ids = addItems(task, 2);
  await openReview(page, addPerson('annotator'), task);
  const first = await answerWithKeys(page, ['q', '2', '3', '4']);
  await expect(page.getByTestId('notice')).toHaveText('Saved.');
  expect(states(task)).toEqual({ done: 1, human_review: 1 });
  await page.keyboard.press('z');
  await expect(page.getByTestId('notice')).toHaveText('Undone: change your answer and submit again.');
  expect(await shownId(page)).toBe(first);
  await expect(page.locator('[data-criterion="relevance"] [data-label="fail"].chosen')).toHaveCount(1);
  expect(states(task)).toEqual({ human_review: 2 });
  await answerWithKeys(page, ['1']);
  // The item that was on screen before the undo comes back next.
  expect(await shownId(page)).toBe(ids.find((id) => id !== first));
  expect(sql(`SELECT v.qualified FROM verdicts v JOIN items i ON i.id = v.item_id WHERE i.external_id = '${first}'`)).toEqual([['t']]);
});

test('an answer sent while the network is down is retried and counted once', async ({ page }) => {
  const task = makeTask();
  addItems(task, 2);
  await openReview(page, addPerson('annotator'), task);
  let failures = 0;
  await page.route('**/api/review/answer', async (route) => {
    if (failures < 2) { failures += 1; await route.abort('internetdisconnected'); } else { await route.continue(); }
  });
  await answerWithKeys(page, ['1', '2', '3', '4']);
  await expect(page.getByTestId('notice')).toContainText('Connection problem: retrying');
  await expect(page.getByTestId('notice')).toHaveText('Saved.', { timeout: 15_000 });
  expect(failures).toBe(2);
  expect(sql(`SELECT count(*) FROM annotations a JOIN items i ON i.id = a.item_id JOIN tasks t ON t.id = i.task_id
              WHERE t.name = '${task}'`)).toEqual([['1']]);
});

test('a hold that lapses returns the item to the queue, and a late answer is kept but not counted', async ({ browser }) => {
  const task = makeTask();
  const [id] = addItems(task, 1);
  const away = await newPage(browser);
  // This page's holds are never renewed nor released: as if the laptop went to sleep.
  await away.route('**/api/review/renew', (route) => route.abort());
  await away.route('**/api/review/release', (route) => route.abort());
  await openReview(away, addPerson('annotator'), task);
  expect(await shownId(away)).toBe(id);

  const other = await newPage(browser);
  await openReview(other, addPerson('annotator'), task);
  await expect(other.getByTestId('queue-empty')).toBeVisible();
  // The e2e server holds items for 6 s (COJUDGE_REVIEW_LEASE_SECS).
  await expect(async () => {
    await other.goto(`/tasks/${task}/review`);
    expect(await shownId(other)).toBe(id);
  }).toPass({ timeout: 20_000 });

  for (const key of ['1', '2', '3', '4']) await away.keyboard.press(key);
  await away.keyboard.press('Enter');
  await expect(away.getByTestId('notice')).toContainText('someone else took it: your answer is kept, but not counted');
  expect(sql(`SELECT a.counted FROM annotations a JOIN items i ON i.id = a.item_id WHERE i.external_id = '${id}'`)).toEqual([['f']]);
  await answerWithKeys(other, ['1', '2', '3', '4']);
  await expect.poll(() => states(task)).toEqual({ done: 1 });
});

test('generated text with markup is shown as text', async ({ page }) => {
  const task = makeTask();
  addItems(task, 1, { reason: '<img src=x onerror="window.__xss=1"><b>bold</b>' });
  await openReview(page, addPerson('annotator'), task);
  await expect(page.getByTestId('item-output')).toContainText('<img src=x onerror="window.__xss=1"><b>bold</b>');
  await expect(page.getByTestId('item-output').locator('img, b')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
});

test('each review page opens only for the roles that work on it', async ({ page }) => {
  const task = makeTask();
  const cases: [Parameters<typeof addPerson>[0], string, number][] = [
    ['annotator', 'review', 200], ['annotator', 'adjudicate', 403],
    ['reviewer', 'review', 200], ['reviewer', 'adjudicate', 200],
    ['trainer', 'review', 403], ['trainer', 'adjudicate', 403],
    ['admin', 'review', 200], ['admin', 'adjudicate', 200],
  ];
  const anonymous = await page.goto(`/tasks/${task}/review`);
  await expect(page).toHaveURL(new RegExp(`/login\\?next=/tasks/${task}/review$`));
  expect(anonymous?.ok()).toBeTruthy();
  for (const [role, queue, status] of cases) {
    await page.context().clearCookies();
    await signIn(page, addPerson(role));
    await expect(page).toHaveURL(/\/$/);
    const response = await page.goto(`/tasks/${task}/${queue}`);
    expect(response?.status(), `${role} on ${queue}`).toBe(status);
    if (status === 403) await expect(page.getByTestId('forbidden')).toBeVisible();
  }
});
