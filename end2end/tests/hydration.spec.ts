// Pages with much on them hydrate on every load, not most: the manage page of the demo
// programme (its pairs, enrolments and pair health) loaded again and again, each time hydrated
// with no panic or console error (the fixtures check). Before the server kept each request on
// one thread, 8 of 60 such loads panicked while hydrating. Runs in the crawl-hydrate project,
// against the 500-person demo.
import { test, expect } from './fixtures';
import { ADMIN, PASSWORD, hydrated } from './helpers';

test('the manage page of a programme with its pairs hydrates on every load', async ({ page }) => {
  test.setTimeout(180_000);
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const programmes = await (await page.request.post('/api/programmes', { form: {} })).json();
  const programme = programmes.find((p: any) => p.name === 'Reverse mentoring 2026');
  const pairs = await (await page.request.post('/api/programmes/pairs', { form: { id: String(programme.id) } })).json();
  expect(pairs.length, 'the demo programme has many pairs').toBeGreaterThan(60);
  for (let load = 1; load <= 12; load++) {
    await test.step(`load ${load}`, async () => {
      await page.goto(`/programmes/${programme.id}/manage`);
      await hydrated(page);
      await expect(page.locator('table.pairs tbody tr').first()).toBeVisible();
      // Hydrated means working: a panel's form answers.
      await page.getByLabel("Mentor's email").fill('not-an-email');
      await expect(page.getByLabel("Mentor's email")).toHaveValue('not-an-email');
    });
  }
});

test("pages compute dates with the server's clock even when the browser's is days off", async ({ page }) => {
  const status = await (await page.request.post('/api/status', { form: {} })).json();
  // The browser believes it is three days later than the server does.
  await page.clock.install({ time: new Date((status.time + 3 * 86_400) * 1000) });
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  await page.goto('/programmes/new');
  await hydrated(page);
  const serverToday = new Date(status.time * 1000).toISOString().slice(0, 10);
  await expect(page.getByLabel('Enrolment opens')).toHaveValue(serverToday);
});

test('a second visit takes the script, the WebAssembly and the stylesheet from the cache', async ({ page }) => {
  const pkgEntries = () => page.evaluate(() => performance.getEntriesByType('resource')
    .filter(e => new URL(e.name).pathname.startsWith('/pkg/'))
    .map(e => ({ path: new URL(e.name).pathname, bytes: (e as PerformanceResourceTiming).transferSize })));
  await page.goto('/signin');
  await hydrated(page);
  const first = await pkgEntries();
  // Named by content: the build's hash is in every name (the sign-in page loads the light build).
  for (const kind of [/^\/pkg\/upmentor-lite\.[0-9a-f]{16}\.js$/, /^\/pkg\/upmentor-lite\.[0-9a-f]{16}\.wasm$/, /^\/pkg\/main\.[0-9a-f]{16}\.css$/]) {
    expect(first.some(e => kind.test(e.path)), `${kind} in ${JSON.stringify(first)}`).toBeTruthy();
  }
  expect(first.reduce((n, e) => n + e.bytes, 0), 'the first visit downloads them').toBeGreaterThan(10_000);
  const wasm = first.find(e => e.path.endsWith('.wasm'))!.path;
  const response = await page.request.get(wasm);
  expect(response.headers()['cache-control']).toBe('public, max-age=31536000, immutable');

  // Another page of the same build: nothing of the browser half crosses the network again.
  await page.goto('/forgot');
  await hydrated(page);
  const second = await pkgEntries();
  expect(second.length).toBeGreaterThanOrEqual(3);
  expect(second.reduce((n, e) => n + e.bytes, 0), JSON.stringify(second)).toBe(0);
});
