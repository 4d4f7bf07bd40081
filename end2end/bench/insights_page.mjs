// For `cargo bench --bench insights`: signs in as the demo admin at the app given as the first
// argument, opens programme N's insights page (second argument) in Chromium with a cold cache,
// and prints the time until the browser half has hydrated it, median of five loads.
import { chromium } from '@playwright/test';

const [base, id] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const times = [];
for (let i = 0; i < 5; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const signIn = await page.request.post(`${base}/api/sign_in`, { form: { email: 'admin@demo.upmentor.test', password: 'upmentor-demo-2026' } });
  if (!signIn.ok()) throw new Error(`sign-in: ${signIn.status()}`);
  const started = Date.now();
  await page.goto(`${base}/programmes/${id}/insights`);
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60_000 });
  times.push(Date.now() - started);
  await context.close();
}
await browser.close();
times.sort((a, b) => a - b);
console.log(`insights page hydrated in ${times[2]} ms (median of 5; ${times.join(', ')} ms)`);
