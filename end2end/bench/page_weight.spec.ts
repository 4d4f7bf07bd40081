// What a page costs to load in Chromium (see benches/README.md, "Page weight"): the bytes of
// script and WebAssembly over the wire on a cold cache, what a second visit transfers, and the
// time until the directory is interactive (hydrated) with the CPU slowed 4×. Figures come from
// the browser's Resource Timing entries (transferSize: headers and body as received).
import { test, expect, Browser, BrowserContext, Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { ADMIN, MENTOR, createProgramme, enrolByLevel, hydrated, signIn } from '../tests/helpers';

// Chromium asks for brotli only over HTTPS; the server here is plain HTTP on loopback, so the
// request says what a browser says over TLS.
const BROTLI = { 'Accept-Encoding': 'br, gzip, deflate' };

type Load = { page: string; script_wasm_bytes: number; other_asset_bytes: number; files: string[]; interactive_ms: number };

async function measure(page: Page, label: string): Promise<Load> {
  return page.evaluate((label) => {
    const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    const isCode = (e: PerformanceResourceTiming) => /\.(js|wasm)(\?|$)/.test(e.name);
    const isAsset = (e: PerformanceResourceTiming) => /\.(css|svg)(\?|$)/.test(e.name);
    const sum = (xs: PerformanceResourceTiming[]) => xs.reduce((n, e) => n + e.transferSize, 0);
    return {
      page: label,
      script_wasm_bytes: sum(entries.filter(isCode)),
      other_asset_bytes: sum(entries.filter(isAsset)),
      files: entries.filter(e => isCode(e) || isAsset(e)).map(e => `${new URL(e.name).pathname} ${e.transferSize}`),
      interactive_ms: Number(document.body.dataset.interactiveAt ?? NaN),
    };
  }, label);
}

// Notes when the page became interactive, from navigation start.
const markInteractive = `
  new MutationObserver((_, obs) => {
    if (document.body && document.body.dataset.hydrated === 'true') {
      document.body.dataset.interactiveAt = String(Math.round(performance.now()));
      obs.disconnect();
    }
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
`;

async function freshContext(browser: Browser, storageState?: any): Promise<BrowserContext> {
  const context = await browser.newContext({ extraHTTPHeaders: BROTLI, storageState });
  await context.addInitScript(markInteractive);
  return context;
}

async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await hydrated(page);
  await expect(page.locator('body[data-interactive-at]')).toHaveCount(1);
}

test('page weight and time to interactive', async ({ browser }) => {
  // Sessions for the signed-in pages, made in contexts whose cache is then thrown away.
  const setup = await browser.newPage();
  await signIn(setup, ADMIN);
  const studioId = await createProgramme(setup, 'Page weight');
  await enrolByLevel(setup, 'Mentors', '1', '3');
  await enrolByLevel(setup, 'Mentees', '6', '10');
  const admin = await setup.context().storageState();
  await setup.close();
  const mentorPage = await browser.newPage();
  await signIn(mentorPage, MENTOR);
  const mentor = await mentorPage.context().storageState();
  await mentorPage.close();

  const loads: Load[] = [];
  const cold = async (label: string, path: string, state?: any) => {
    const context = await freshContext(browser, state);
    const page = await context.newPage();
    await visit(page, path);
    if (path.endsWith('/studio')) await expect(page.locator('#pairs-table')).toHaveAttribute('data-updates', '1');
    const load = await measure(page, label);
    loads.push(load);
    return { context, page, load };
  };

  const signInPage = await cold('sign-in', '/signin');
  await signInPage.context.close();
  const directory = await cold('directory', '/people', mentor);
  // A profile, reached from the directory's first card.
  const profileHref = await directory.page.locator('main a[href^="/people/"]').first().getAttribute('href');
  expect(profileHref).toMatch(/^\/people\/\d+$/);
  // Second visit: the same browser comes back to the directory and opens a profile afresh.
  const again = await directory.context.newPage();
  await visit(again, '/people');
  const secondVisit = await measure(again, 'directory, second visit');
  await directory.context.close();
  const profile = await cold('a profile', profileHref!, mentor);
  await profile.context.close();
  const studio = await cold('studio', `/programmes/${studioId}/studio`, admin);
  await studio.context.close();

  // Time to interactive on the directory with the CPU slowed 4× (cold cache, median of 3).
  const tti: number[] = [];
  for (let i = 0; i < 3; i++) {
    const context = await freshContext(browser, mentor);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await visit(page, '/people');
    tti.push((await measure(page, 'directory 4x')).interactive_ms);
    await context.close();
  }
  tti.sort((a, b) => a - b);

  const report = {
    people: Number(process.env.UPMENTOR_BENCH_PEOPLE ?? 1000),
    loads: loads.map(({ files, ...rest }) => rest),
    files: Object.fromEntries(loads.map(l => [l.page, l.files])),
    second_visit_asset_bytes: secondVisit.script_wasm_bytes + secondVisit.other_asset_bytes,
    second_visit_files: secondVisit.files,
    directory_interactive_ms_cpu_4x: { runs: tti, median: tti[1] },
  };
  console.log(JSON.stringify(report, null, 2));
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, JSON.stringify(report, null, 2));
  for (const load of loads) expect(load.script_wasm_bytes, `${load.page}: the page loaded its code`).toBeGreaterThan(0);
});
