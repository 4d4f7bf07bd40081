import { chromium } from '@playwright/test';
const base = process.env.BASE;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking','--disable-component-update','--disable-sync','--no-first-run'] });
const ctx = await browser.newContext({ baseURL: base });
const page = await ctx.newPage();
const r = await page.request.post('/api/sign_in', { form: { email: 'admin@demo.upmentor.test', password: 'upmentor-demo-2026' } });
let id = process.env.PID;
if (!id) {
  const day = n => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
  id = await (await page.request.post('/api/programmes/create', { data: { input: { name: 'Manage probe', objectives: 'x', tags: [], kind: 'reverse', starts_on: day(30), ends_on: day(120), enrol_opens: day(0), enrol_closes: day(20), mentor_capacity: '1', self_match: false } } })).json();
  for (const [role, lo, hi] of [['mentor', '1', '3'], ['mentee', '6', '10']]) {
    const b = await page.request.post('/api/programmes/bulk_enrol', { data: { input: { programme_id: id, role, source: { Filter: { department: '', level_min: lo, level_max: hi } } } } });
    console.log('enrol', role, (await b.json()).enrolled);
  }
  const data = await (await page.request.post('/api/studio/data', { form: { id: String(id) } })).json();
  const run = await (await page.request.post('/api/studio/run', { data: { id, config: data.programme.config } })).json();
  const pub = await (await page.request.post('/api/studio/publish', { form: { run_id: String(run.summary.id) } })).json();
  console.log('published', JSON.stringify(pub));
}
let bad = 0;
for (let i = 0; i < Number(process.env.N || 20); i++) {
  const errs = [];
  const h = m => { if (m.type() === 'error') errs.push(m.text().slice(0, 600)); };
  page.on('console', h);
  page.on('pageerror', e => errs.push('PAGEERROR ' + e.message.slice(0, 300)));
  await page.goto(`/programmes/${id}/manage`);
  await page.waitForTimeout(2500);
  const hyd = await page.locator('body[data-hydrated]').count();
  if (errs.length || !hyd) { bad++; console.log('load', i, 'hydrated', hyd, errs.slice(0, 3)); }
  page.removeListener('console', h);
}
console.log('programme', id, 'bad', bad);
await browser.close();
