// For `cargo bench --bench insights`: signs in as the demo admin at the app given as the first
// argument, opens programme N's insights page (second argument) in Chromium with a cold cache,
// and prints the time until the browser half has hydrated it, median of five loads: as the page
// itself measures it (from the start of navigation, on the Performance API's clock, recorded by a
// MutationObserver so nothing polls the page meanwhile) and as the test driver sees it (the
// driver's own round trips added).
import { chromium } from '@playwright/test';

const [base, id] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const times = [];
const inPage = [];
for (let i = 0; i < 5; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const signIn = await page.request.post(`${base}/api/sign_in`, { form: { email: 'admin@demo.upmentor.test', password: 'upmentor-demo-2026' } });
  if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()}`);
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.dataset.hydrated === 'true') {
        window.__hydratedAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  const started = Date.now();
  await page.goto(`${base}/programmes/${id}/insights`);
  await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached', timeout: 60_000 });
  times.push(Date.now() - started);
  const at = await page.evaluate(() => window.__hydratedAt);
  if (typeof at !== 'number') throw new Error('the page never recorded its hydration');
  inPage.push(Math.round(at));
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
inPage.sort((a, b) => a - b);
console.log(`insights page hydrated ${inPage[2]} ms after navigation started (median of 5; ${inPage.join(', ')} ms); ${times[2]} ms as the driver sees it (${times.join(', ')} ms)`);
