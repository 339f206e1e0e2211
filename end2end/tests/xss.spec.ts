// Issue 8: text nobody here controls is shown as text on every page, never turned into markup.
// Every place such text comes from gets a hostile string (tags with event handlers, a script, an
// attribute breaker, a `javascript:` link, `</textarea>`, `</title>`, `</script>` and `{{ }}`):
// the generated item (context and output values and keys, external id, generator; batch and
// meta too, though no page shows them), the imported judgment (rationales, model, prompt
// version), the task file (title, description, criteria, label titles), people's e-mail
// addresses and display names, what annotators type on the review page (rationale, skip reason,
// both flagged), what an admin types on the task settings and tokens pages, what a trainer types
// into the export filters, a candidate judge's model, and the address itself (path, `next`,
// unknown pages). Then every page is opened by each role that may see it, and:
//  - nothing from a payload became an element: nothing carries `data-xss`, no `img[src=x]`, no
//    inline event handler, no `javascript:` URL, no iframe, no script holding payload code;
//  - nothing ran: assigning `window.__xss` is reported (a setter installed before any page
//    script) and it stays undefined, and no dialog opens;
//  - the payload's text is on the page, literally, where the value is shown.
// The checks are soft, so one run lists every place that renders markup instead of the first.
import { test, expect, Browser, Locator, Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hydrated } from './helpers';
import { addPerson, cojudge, judgeEval, sql } from './workbench';

/** A fresh suffix, so names never clash with another test's or another run's. */
const unique = () => randomBytes(4).toString('hex');

/** A hostile string, labelled with where it was put so that a failure names its source. */
const hostile = (source: string) =>
  `${source}: <img data-xss src=x onerror="window.__xss=1"><script>window.__xss=1</script>` +
  `"><svg data-xss onload=window.__xss=1>'</textarea></title></script>` +
  `<b data-xss>{{7*7}}</b><a data-xss href="javascript:alert(1)">link</a>`;

/** `text` in single quotes for a POSIX shell, as the export page's command line writes it. */
const shellWord = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

/** Hostile yet a valid e-mail address: lower case, no spaces, one `@`, a dotted domain. */
const hostileEmail = (who: string) =>
  `${who}-${unique()}"><img/data-xss/src=x/onerror=window.__xss=1><svg/data-xss/onload=alert(1)>@xss.example.org`;

/** Hostile and free of `/`, for one path segment or a query value. */
const hostileSegment = `<img data-xss src=x onerror=window.__xss=1><svg data-xss onload=alert(1)>"'{{7*7}}`;

/** A field name of a generated item; shown as a label, which only capitalises the first letter. */
const hostileKey = '<svg onload=alert(1)>';

// ---------------------------------------------------------------------------------------------
// Watching pages

/** What ran that must not have: assignments to `window.__xss` and dialogs, with the page. */
type Alarms = string[];

/** A page in a fresh browser context where any `window.__xss = …` and any dialog is recorded. */
async function watchedPage(browser: Browser, alarms: Alarms): Promise<Page> {
  const context = await browser.newContext();
  await context.exposeBinding('__xssRan', ({ page }, value: string) => {
    alarms.push(`window.__xss = ${value} on ${page.url()}`);
  });
  await context.addInitScript(() => {
    let value: unknown;
    Object.defineProperty(window, '__xss', {
      get: () => value,
      set: (assigned) => {
        value = assigned;
        (window as unknown as { __xssRan(v: string): void }).__xssRan(String(assigned));
      },
    });
  });
  context.on('dialog', (dialog) => {
    // The review page's own "leave with answers unsaved?" question is not a payload's.
    if (dialog.type() === 'beforeunload') return void dialog.accept();
    alarms.push(`${dialog.type()} "${dialog.message()}" on ${dialog.page()?.url()}`);
    void dialog.dismiss();
  });
  return context.newPage();
}

/** Elements on the page that markup in text would have made, each with where it sits. */
function injectedElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const urlAttributes = ['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc'];
    const found: string[] = [];
    for (const element of Array.from(document.querySelectorAll('*'))) {
      const injected =
        element.hasAttribute('data-xss') ||
        element.matches('img[src="x"], iframe, object, embed') ||
        element.getAttributeNames().some((name) => name.startsWith('on')) ||
        urlAttributes.some((name) => /^\s*javascript:/i.test(element.getAttribute(name) ?? '')) ||
        (element.tagName === 'SCRIPT' && element.textContent?.trim() === 'window.__xss=1');
      if (injected) {
        const within = element.parentElement?.closest('[data-testid]')?.getAttribute('data-testid');
        found.push(`${element.outerHTML.slice(0, 120)} (in ${within ?? element.parentElement?.tagName})`);
      }
    }
    return found;
  });
}

/** Softly fails if markup from a payload became elements or ran on the page as it is now. */
async function expectNothingInjected(page: Page, where: string) {
  expect.soft(await injectedElements(page), `elements made from text on ${where}`).toEqual([]);
  const xss = await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
  expect.soft(xss, `window.__xss on ${where}`).toBeUndefined();
}

/** Softly expects each of `texts` literally in `region`. */
async function expectText(region: Locator, where: string, ...texts: string[]) {
  for (const text of texts) await expect.soft(region, where).toContainText(text);
}

/** Opens `url` and waits until the page is live and its data has arrived. */
async function visit(page: Page, url: string) {
  const response = await page.goto(url);
  await hydrated(page);
  await expect(page.getByTestId('loading')).toHaveCount(0);
  return response;
}

// ---------------------------------------------------------------------------------------------
// Data, put in as an operator would: a task file, an import, accounts (all through the CLI)

/** A TOML value written inline (JSON string escapes are TOML's too). */
function toml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(toml).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value).map(([key, v]) => `${JSON.stringify(key)} = ${toml(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value);
}

/**
 * A task whose words are all hostile: two criteria (keys 1/q and 2/w), two annotators per item,
 * one per golden item, and schemas that let items carry any text in any field.
 */
function importTask(): string {
  const name = `xss-${unique()}`;
  const text = { type: 'string' };
  const records = { type: 'array', items: { type: 'object', additionalProperties: text } };
  const criterion = (n: number) => ({
    name: ['first', 'second'][n],
    title: hostile(`criterion title ${n}`),
    definition: hostile(`criterion definition ${n}`),
    passing_examples: [hostile(`passing example ${n}`)],
    failing_examples: [hostile(`failing example ${n}`)],
  });
  const definition = {
    name,
    title: hostile('task title'),
    description: hostile('task description'),
    scale: {
      kind: 'binary',
      labels: [
        { value: 'pass', title: hostile('pass label'), passes: true, strong: true },
        { value: 'fail', title: hostile('fail label'), passes: false, strong: false },
      ],
    },
    criteria: [criterion(0), criterion(1)],
    routing: {
      confidence_threshold: 0.8, audit_rate: 0, annotations_per_item: 2, annotations_per_audit_item: 1,
      show_judge_suggestion: true,
    },
    context_schema: {
      type: 'object',
      required: ['user', 'interests', 'history'],
      properties: {
        user: { type: 'object', additionalProperties: text },
        interests: { type: 'array', items: text },
        history: { type: 'array', items: { type: 'object', properties: { date: text, events: records } } },
      },
    },
    output_schema: {
      type: 'object',
      required: ['tags', 'explanation'],
      properties: { tags: records, explanation: text },
    },
  };
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cojudge-xss-')), `${name}.toml`);
  writeFileSync(file, Object.entries(definition).map(([key, value]) => `${key} = ${toml(value)}`).join('\n') + '\n');
  cojudge(['task', 'import', file]);
  return name;
}

/** What the generator "wrote": user attributes, interests, a behaviour timeline, tags, a line. */
const generated = {
  context: {
    user: { age_band: hostile('user age band'), [hostileKey]: hostile('user attribute') },
    interests: [hostile('interest')],
    history: [{
      date: '2025-06-01',
      events: [{ action: 'buy', item: hostile('timeline item') }, { action: hostile('timeline action'), item: 'racket' }],
    }],
  },
  output: {
    tags: [{ tag: hostile('tag'), interest: hostile('tag interest'), reason: hostile('tag reason') }],
    explanation: hostile('explanation'),
  },
};

/** Every text of `generated` and where the review page shows it. */
const contextTexts = [hostile('user age band'), hostile('user attribute'), hostileKey, hostile('interest'),
  hostile('timeline item'), hostile('timeline action')];
const outputTexts = [hostile('tag'), hostile('tag interest'), hostile('tag reason'), hostile('explanation')];

interface Items { judged: string; skipped: string; golden: string }

/**
 * Three items with an imported judgment (confidence 0.3: to humans): `judged` has a hostile
 * external id, `skipped` is the one the first annotator skips, `golden` is blind.
 */
function importItems(task: string): Items {
  const items = { judged: `${task}-a ${hostile('external id')}`, skipped: `${task}-b`, golden: `${task}-g` };
  const both = (value: unknown) => ({ first: value, second: value });
  const line = (id: string, golden: boolean) => JSON.stringify({
    external_id: id,
    ...generated,
    generator: { model: hostile('generator model'), version: hostile('generator version') },
    batch: hostile('batch'),
    meta: { note: hostile('meta') },
    golden: golden ? both('pass') : undefined,
    judgment: {
      labels: both('pass'), confidence: both(0.3),
      rationale: { first: hostile('judge rationale 0'), second: hostile('judge rationale 1') },
      model: hostile('judge model'), prompt_version: hostile('prompt version'),
    },
  });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'cojudge-xss-')), 'items.jsonl');
  writeFileSync(file, [line(items.judged, false), line(items.skipped, false), line(items.golden, true)].join('\n') + '\n');
  cojudge(['import', '--task', task, file]);
  return items;
}

interface Person { email: string; password: string; name: string }

/** An account whose display name (and, if asked, e-mail address) is hostile. */
function addHostilePerson(role: 'admin' | 'trainer' | 'reviewer' | 'annotator', who: string,
  options: { hostileEmail?: boolean } = {}): Person {
  const email = options.hostileEmail ? hostileEmail(who) : `${who}-${unique()}@xss.example.org`;
  const person = { email, password: `pw-${unique()}-${unique()}`, name: hostile(`${who} name`) };
  cojudge(['user', 'add', '--email', email, '--role', role, '--name', person.name, '--password-stdin'], `${person.password}\n`);
  return person;
}

/** Signs `person` in on a new watched page; the address may hold markup the browser refuses. */
async function signedIn(browser: Browser, person: { email: string; password: string }, alarms: Alarms): Promise<Page> {
  const page = await watchedPage(browser, alarms);
  await visit(page, '/login');
  await expectNothingInjected(page, 'the sign-in page');
  // The browser's own e-mail check refuses `<` and `>`; the server accepts them as an address.
  await page.locator('#email').evaluate((input) => input.setAttribute('type', 'text'));
  await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  return page;
}

// ---------------------------------------------------------------------------------------------
// Pages

/** The task's card on the home page. */
async function checkHome(page: Page, task: string, where: string, description = hostile('task description')) {
  await visit(page, '/');
  const card = page.locator(`[data-testid="task-card"][data-task="${task}"]`);
  await expectText(card, where, hostile('task title'), description, hostile('criterion title 0'), hostile('criterion title 1'));
  await expectNothingInjected(page, where);
}

/** The item and, unless it is blind, the judge's suggestion; the criteria and labels to choose. */
async function checkItem(page: Page, where: string, options: { judged: boolean; externalId?: string }) {
  const item = page.getByTestId('review-item');
  await expectText(item.getByTestId('item-context'), where, ...contextTexts);
  await expectText(item.getByTestId('item-output'), where, ...outputTexts);
  await expectText(item, where, `${hostile('generator model')} ${hostile('generator version')}`);
  if (options.externalId) await expectText(item.locator('h2 code'), where, options.externalId);
  const form = page.getByTestId('answer-form');
  await expectText(form, where, hostile('criterion title 0'), hostile('criterion title 1'), hostile('pass label'),
    hostile('fail label'));
  if (options.judged) {
    await expectText(page.getByTestId('judge-suggestion'), where, hostile('judge model'));
    await expectText(form, where, hostile('judge rationale 0'), hostile('judge rationale 1'));
  }
  expect.soft(await page.title(), `title of ${where}`).toContain(hostile('task title'));
  await expectNothingInjected(page, where);
}

/** The guidelines beside the item, and the definitions in the answer form, as the task file has them. */
async function checkGuide(page: Page, where: string) {
  await expectText(page.getByTestId('guidelines'), where, hostile('task description'), hostile('criterion definition 1'),
    hostile('passing example 0'), hostile('failing example 1'));
  await expectText(page.getByTestId('answer-form'), where, hostile('criterion definition 0'));
}

const reviewItem = (page: Page) => page.getByTestId('review-item');

/** The external id of the item on screen, or null once the queue is empty. */
async function itemOnScreen(page: Page): Promise<string | null> {
  await expect(reviewItem(page).or(page.getByTestId('queue-empty'))).toBeVisible();
  return (await reviewItem(page).count()) ? reviewItem(page).getAttribute('data-external-id') : null;
}

/** Chooses labels by key, types a rationale, optionally flags, and submits with the button. */
async function answer(page: Page, keys: string[], rationale?: string, flag = false) {
  const id = await itemOnScreen(page);
  for (const key of keys) await page.keyboard.press(key);
  if (rationale) await page.getByTestId('rationale').fill(rationale);
  if (flag) await page.getByTestId('flag').check();
  await page.getByTestId('submit').click();
  await expect.poll(() => itemOnScreen(page)).not.toBe(id);
}

/** Flags the item and skips it with a reason typed into the skip dialog. */
async function skipFlagged(page: Page, reason: string) {
  const id = await itemOnScreen(page);
  await page.getByTestId('flag').check();
  await page.keyboard.press('s');
  const dialog = page.getByTestId('skip-dialog');
  await dialog.getByLabel('Reason (optional)').fill(reason);
  await dialog.getByRole('button', { name: 'Skip', exact: true }).click();
  await expect.poll(() => itemOnScreen(page)).not.toBe(id);
}

/** Pages a role may not open, and pages that do not exist, with markup in their address. */
async function checkRefusedAndMissing(page: Page, who: string, refused: string[]) {
  for (const url of refused) {
    const response = await visit(page, url);
    expect.soft(response?.status(), `${who} on ${url}`).toBe(403);
    await expectNothingInjected(page, `${url} (${who}, refused)`);
  }
  const segment = encodeURIComponent(hostileSegment);
  const missing = await visit(page, `/nothing/${segment}?q=${segment}#${segment}`);
  expect.soft(missing?.status(), `${who} on an unknown address`).toBe(404);
  await expect.soft(page.getByTestId('not-found')).toBeVisible();
  await expectNothingInjected(page, `an unknown address with markup (${who})`);
}

/** A task page whose `:task` is markup: the name is shown as text, in the error and the heading. */
async function checkHostileTaskAddress(page: Page, who: string, url: (task: string) => string) {
  const address = url(encodeURIComponent(hostileSegment));
  const where = `${url('MARKUP')} (${who})`;
  await visit(page, address);
  await expectText(page.getByTestId('error'), where, `Task \`${hostileSegment}\` was not found.`);
  if (/\/(metrics|operations)$/.test(address)) {
    await expectText(page.locator('h1').first(), where, hostileSegment);
    expect.soft(await page.title(), `title of ${where}`).toContain(hostileSegment);
  }
  await expectNothingInjected(page, where);
}

// ---------------------------------------------------------------------------------------------

test('markup in the address is shown as text and never followed, signed out or in', async ({ browser }) => {
  const alarms: Alarms = [];
  const page = await watchedPage(browser, alarms);
  for (const next of ['javascript:window.__xss=1', '"><svg data-xss onload=window.__xss=1>', hostileSegment]) {
    await visit(page, `/login?next=${encodeURIComponent(next)}`);
    await expectNothingInjected(page, `the sign-in page with next=${next}`);
  }
  // Signing in with a `javascript:` next goes home.
  await visit(page, `/login?next=${encodeURIComponent('javascript:window.__xss=1')}`);
  const person = addPerson('annotator');
  await page.getByLabel('E-mail').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await hydrated(page);
  await expectNothingInjected(page, 'home after signing in with a javascript: next');

  await page.context().clearCookies();
  const signedOut = await visit(page, `/tasks/${encodeURIComponent(hostileSegment)}/review`);
  expect(signedOut?.ok()).toBeTruthy();
  await expect(page).toHaveURL(/\/login\?next=/);
  await expectNothingInjected(page, 'the sign-in page sent to from a hostile address');
  await checkRefusedAndMissing(page, 'signed out', []);
  expect(alarms).toEqual([]);
});

test('markup in generated and typed text is shown as text on every page, for every role', async ({ browser }) => {
  test.setTimeout(240_000);
  const alarms: Alarms = [];
  const task = importTask();
  const items = importItems(task);
  const annotator = addHostilePerson('annotator', 'annotator', { hostileEmail: true });
  const second = addHostilePerson('annotator', 'second');
  const reviewer = addHostilePerson('reviewer', 'reviewer');
  const trainer = addHostilePerson('trainer', 'trainer');
  const admin = addHostilePerson('admin', 'admin', { hostileEmail: true });
  const countAnswers = (person: Person) => sql(`SELECT count(*) FROM annotations a JOIN users u ON u.id = a.user_id
                                                WHERE u.email = '${person.email.replaceAll("'", "''")}'`)[0][0];

  await test.step('an annotator reviews every item, typing markup, and opens their pages', async () => {
    const page = await signedIn(browser, annotator, alarms);
    await expectText(page.getByTestId('current-user'), 'the account menu', annotator.email);
    await checkHome(page, task, 'home (annotator)');
    await visit(page, `/tasks/${task}/review`);
    await expectText(page.locator('h1'), 'review heading', `Review: ${hostile('task title')}`);
    await page.keyboard.press('?');
    await expectText(page.getByTestId('shortcuts'), 'the shortcut list', hostile('criterion title 1'), hostile('fail label'));
    await expectNothingInjected(page, 'the shortcut list');
    await page.keyboard.press('Escape');
    for (let id = await itemOnScreen(page); id !== null; id = await itemOnScreen(page)) {
      await checkItem(page, `review of ${id} (annotator)`, {
        judged: id !== items.golden, externalId: id === items.judged ? items.judged : undefined,
      });
      await checkGuide(page, `guidelines beside ${id} (annotator)`);
      if (id === items.skipped) await skipFlagged(page, hostile('skip reason'));
      else if (id === items.judged) await answer(page, ['1', '2'], hostile('annotator rationale'), true);
      else await answer(page, ['1', '2']);
    }
    await expectNothingInjected(page, 'the empty review queue (annotator)');
    await expect.poll(() => countAnswers(annotator)).toBe('3');

    await visit(page, '/me');
    await expectText(page.getByTestId('my-work'), 'my work (annotator)', hostile('task title'));
    await expectNothingInjected(page, 'my work (annotator)');
    await checkRefusedAndMissing(page, 'annotator', ['/exports', '/admin/users', '/admin/tokens',
      `/tasks/${task}/metrics`, `/tasks/${task}/operations`, `/tasks/${task}/adjudicate`, `/admin/tasks/${task}`]);
    await checkHostileTaskAddress(page, 'annotator', (t) => `/tasks/${t}/review`);
  });

  await test.step('a second annotator disagrees with a rationale of markup', async () => {
    const page = await signedIn(browser, second, alarms);
    await visit(page, `/tasks/${task}/review`);
    for (let id = await itemOnScreen(page); id !== null; id = await itemOnScreen(page)) {
      await checkItem(page, `review of ${id} (second annotator)`, { judged: id !== items.golden });
      if (id === items.judged) await answer(page, ['q', '2'], hostile('second rationale'));
      else await answer(page, ['1', '2']);
    }
    await expect.poll(() => sql(`SELECT state FROM items WHERE external_id = '${items.judged.replaceAll("'", "''")}'`)[0][0])
      .toBe('adjudication');
  });

  await test.step('a reviewer adjudicates and reads the metrics and operations', async () => {
    const page = await signedIn(browser, reviewer, alarms);
    await checkHome(page, task, 'home (reviewer)');
    await visit(page, `/tasks/${task}/adjudicate`);
    expect(await itemOnScreen(page)).toBe(items.judged);
    await checkItem(page, 'adjudication', { judged: true, externalId: items.judged });
    await checkGuide(page, 'guidelines beside the adjudication');
    await expectText(page.getByTestId('answers-table'), 'the answers so far', annotator.name, second.name,
      hostile('annotator rationale'), hostile('second rationale'), hostile('pass label'), hostile('fail label'));
    await expectText(page.locator('h1'), 'adjudication heading', `Adjudicate: ${hostile('task title')}`);
    await answer(page, ['1', '2'], hostile('adjudicator rationale'));
    await expect(page.getByTestId('queue-empty')).toBeVisible();

    await visit(page, `/tasks/${task}/metrics`);
    await expectText(page.getByTestId('config-table'), 'metrics: judge configurations', hostile('judge model'), hostile('prompt version'));
    await expectText(page.getByTestId('generators-table'), 'metrics: generator versions', hostile('generator version'));
    await expectNothingInjected(page, 'metrics (reviewer)');
    await visit(page, `/tasks/${task}/operations`);
    await expect(page.getByTestId('queue-chart')).toBeVisible();
    await expectNothingInjected(page, 'operations (reviewer)');
    await checkRefusedAndMissing(page, 'reviewer', ['/exports', '/admin/users', `/admin/tasks/${task}`]);
    await checkHostileTaskAddress(page, 'reviewer', (t) => `/tasks/${t}/metrics`);
    await checkHostileTaskAddress(page, 'reviewer', (t) => `/tasks/${t}/adjudicate`);
    await checkHostileTaskAddress(page, 'reviewer', (t) => `/tasks/${t}/operations`);
  });

  await test.step('a trainer exports with filters of markup', async () => {
    const page = await signedIn(browser, trainer, alarms);
    await checkHome(page, task, 'home (trainer)');
    await visit(page, '/exports');
    await expectText(page.getByTestId('export-task').locator(`option[value="${task}"]`), 'the task choice', hostile('task title'));
    await page.getByTestId('export-task').selectOption(task);
    await page.locator('input[name="generator_version"]').fill(hostile('export generator filter'));
    await page.locator('input[name="batch"]').fill(hostile('export batch filter'));
    await expectText(page.getByTestId('export-command'), 'the export command',
      `--generator-version ${shellWord(hostile('export generator filter'))}`,
      `--batch ${shellWord(hostile('export batch filter'))}`);
    await expectNothingInjected(page, 'the export form');
    await page.getByTestId('export-start').click();
    await expectText(page.getByTestId('exports-table'), 'recent exports', trainer.name);
    await expectNothingInjected(page, 'recent exports (trainer)');
    await visit(page, `/tasks/${task}/metrics`);
    await expectText(page.getByTestId('config-table'), 'metrics (trainer)', hostile('judge model'));
    await expectNothingInjected(page, 'metrics (trainer)');
    await visit(page, `/tasks/${task}/operations`);
    await expect(page.getByTestId('queue-chart')).toBeVisible();
    await expectNothingInjected(page, 'operations (trainer)');
    await checkRefusedAndMissing(page, 'trainer', ['/admin/users', '/admin/tokens', `/tasks/${task}/review`]);
  });

  await test.step('an admin reads and edits the task settings with markup', async () => {
    const page = await signedIn(browser, admin, alarms);
    await visit(page, `/admin/tasks/${task}`);
    await expectText(page.locator('h1'), 'settings heading', `Settings: ${hostile('task title')}`);
    await expect.soft(page.locator('#task-title')).toHaveValue(hostile('task title'));
    await expect.soft(page.locator('#task-description')).toHaveValue(hostile('task description'));
    await expect.soft(page.locator('#c1-definition')).toHaveValue(hostile('criterion definition 1'));
    await expectText(page.getByTestId('flagged'), 'flagged items', items.judged, annotator.email,
      hostile('annotator rationale'), hostile('skip reason'));
    await expectNothingInjected(page, 'task settings');

    await page.locator('#task-description').fill(hostile('settings description'));
    await page.locator('#c0-definition').fill(hostile('settings definition'));
    await page.locator('#c0-pass').fill(hostile('settings example'));
    await page.locator('#c0-pass').blur();
    await page.locator('#judge-model').fill(hostile('settings judge model'));
    await page.locator('#note').fill(hostile('settings note'));
    await page.getByTestId('save-settings').click();
    await expect(page.getByTestId('settings-saved')).toHaveText('Saved as rubric version 2.');
    await expectText(page.getByTestId('versions').locator('tbody tr').first(), 'versions', hostile('settings note'), admin.email);
    await expectText(page.getByTestId('audit-log').locator('tbody tr').first(), 'audit log', admin.email);
    await expect.soft(page.locator('#judge-model')).toHaveValue(hostile('settings judge model'));
    await expectNothingInjected(page, 'task settings after saving');

    await checkHome(page, task, 'home (admin, after the edit)', hostile('settings description'));
    await visit(page, `/tasks/${task}/review`);
    await expectText(page.getByTestId('guidelines'), 'guidelines after the edit', hostile('settings description'),
      hostile('settings definition'), hostile('settings example'));
    if (await itemOnScreen(page)) await checkItem(page, 'review (admin)', { judged: true });
    await expectNothingInjected(page, 'review (admin)');
    await checkHostileTaskAddress(page, 'admin', (t) => `/admin/tasks/${t}`);
  });

  await test.step('an admin reads metrics, operations, people, tokens and exports', async () => {
    judgeEval(task, hostile('candidate model'));
    const page = await signedIn(browser, admin, alarms);
    await visit(page, `/tasks/${task}/metrics`);
    await expectText(page.getByTestId('evaluations-table'), 'candidate judges', hostile('candidate model'));
    await expectText(page.getByTestId('annotator-quality'), 'annotator quality', annotator.name, second.name);
    await expectText(page.getByTestId('annotator-pairs'), 'annotator pairs', annotator.name, second.name);
    await expectNothingInjected(page, 'metrics (admin)');

    // The sampler rolls the hour up every second in the e2e server.
    await expect(async () => {
      await visit(page, `/tasks/${task}/operations`);
      await expect(page.getByTestId('annotators-table')).toContainText(annotator.name, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    await expectText(page.getByTestId('annotators-table'), 'annotator throughput', second.name, reviewer.name);
    await expectText(page.getByTestId('annotators-chart'), 'annotator chart', annotator.name);
    await expectNothingInjected(page, 'operations (admin)');

    await visit(page, '/admin/users');
    await expectText(page.getByTestId('users-table'), 'users', annotator.email, annotator.name, admin.email,
      admin.name, trainer.name);
    await expectNothingInjected(page, 'users');

    await visit(page, '/admin/tokens');
    await page.getByLabel('Name').fill(hostile('token name'));
    await page.getByRole('button', { name: 'Create token' }).click();
    await expectText(page.getByTestId('token-error'), 'token error', hostile('token name'));
    await expectNothingInjected(page, 'tokens');

    await visit(page, '/exports');
    await expectText(page.getByTestId('exports-table'), 'recent exports (admin)', trainer.name);
    await expectNothingInjected(page, 'exports (admin)');
    await visit(page, `/tasks/${task}/adjudicate`);
    await expectNothingInjected(page, 'adjudication (admin)');
    await visit(page, '/me');
    await expectNothingInjected(page, 'my work (admin)');
    await checkRefusedAndMissing(page, 'admin', []);
  });

  expect(alarms, 'scripts that ran and dialogs that opened').toEqual([]);
});
