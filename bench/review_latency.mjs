// Measures, in Chromium, the time from the Enter keypress that submits an answer to the next
// item being on screen (the page's DOM shows the next item and a frame has been painted), over
// many answers. Times are taken inside the page (performance.now at keydown → the frame after the
// item changed), so the driver's own overhead is not counted.
// Usage: node bench/review_latency.mjs URL EMAIL PASSWORD TASK ANSWERS
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../end2end/package.json'));
const { chromium } = require('@playwright/test');

const [url, email, password, task, answersArg] = process.argv.slice(2);
const answers = Number(answersArg ?? 200);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage();
await page.goto(`${url}/login`);
await page.waitForSelector('html[data-hydrated="true"]');
await page.fill('#email', email);
await page.fill('#password', password);
await page.click('button[type=submit]');
await page.waitForURL(`${url}/`);
await page.goto(`${url}/tasks/${task}/review`);
await page.waitForSelector('[data-testid="review-item"]');
await page.evaluate(() => {
  const w = window;
  w.__latencies = [];
  document.addEventListener('keydown', (event) => { if (event.key === 'Enter') w.__t0 = performance.now(); }, true);
  let last = null;
  new MutationObserver(() => {
    const item = document.querySelector('[data-testid="review-item"]');
    const id = item?.getAttribute('data-external-id') ?? null;
    if (id && id !== last && w.__t0 !== undefined) {
      const t0 = w.__t0;
      w.__t0 = undefined;
      requestAnimationFrame(() => w.__latencies.push(performance.now() - t0));
    }
    last = id;
  }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-external-id'] });
  last = document.querySelector('[data-testid="review-item"]')?.getAttribute('data-external-id');
});
const criteria = await page.locator('[data-testid="criterion"]').count();
let done = 0;
for (; done < answers; done++) {
  if (await page.getByTestId('queue-empty').isVisible()) break;
  const before = await page.getAttribute('[data-testid="review-item"]', 'data-external-id');
  for (let c = 0; c < criteria; c++) await page.keyboard.press(String(c + 1));
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => {
    const item = document.querySelector('[data-testid="review-item"]');
    return (item && item.getAttribute('data-external-id') !== id) || document.querySelector('[data-testid="queue-empty"]');
  }, before);
  // A person reads the next item before answering; this also lets the prefetch land.
  await page.waitForTimeout(Number(process.env.THINK_MS ?? 300));
}
const latencies = (await page.evaluate(() => window.__latencies)).sort((a, b) => a - b);
const pick = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
console.log(JSON.stringify({ answers: done, measured: latencies.length, p50: pick(0.5), p95: pick(0.95), max: latencies[latencies.length - 1] }));
await browser.close();
