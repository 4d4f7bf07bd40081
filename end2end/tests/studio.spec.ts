import { test, expect, Page } from './fixtures';
import { ADMIN, MENTEE, MENTOR, createProgramme, enrolByLevel, hydrated, signIn } from './helpers';

test('an admin creates a programme, enrols people, tunes, pins and publishes; both see their match', async ({ browser }) => {
  const admin = await browser.newPage();
  await signIn(admin, ADMIN);
  await admin.goto('/programmes/new');
  await hydrated(admin);
  await admin.getByLabel('Name', { exact: true }).fill('AI for leaders');
  await admin.getByLabel('Objectives').fill('Leaders learn generative AI and social media from juniors.');
  await admin.getByLabel('technology fluency').check();
  // A bad capacity is refused at its field and the typing is kept.
  await admin.getByLabel('People per mentor').fill('0');
  await admin.getByRole('button', { name: 'Create programme' }).click();
  await expect(admin.locator('#f-mentor_capacity-err')).toContainText('whole number from 1 to 20');
  await expect(admin.getByLabel('Name', { exact: true })).toHaveValue('AI for leaders');
  await admin.getByLabel('People per mentor').fill('1');
  await admin.getByRole('button', { name: 'Create programme' }).click();
  await expect(admin).toHaveURL(/\/programmes\/\d+\/manage$/);
  await hydrated(admin);

  await enrolByLevel(admin, 'Mentors', '1', '3');
  await enrolByLevel(admin, 'Mentees', '6', '10');
  await expect(admin.locator('table.enrolments')).toContainText('Dana Okafor');
  await expect(admin.locator('table.enrolments')).toContainText('Victor Lindqvist');

  await admin.getByRole('link', { name: 'Open the matching studio' }).click();
  await expect(admin).toHaveURL(/\/studio$/);
  await hydrated(admin);
  const table = admin.locator('#pairs-table');
  await expect(table).toHaveAttribute('data-updates', '1');
  const total = await admin.locator('#total').textContent();

  // Moving a slider re-runs the preview in the browser.
  await admin.getByLabel(/^Cross-department/).fill('10');
  await expect(table).toHaveAttribute('data-updates', '2');
  await expect(admin.locator('#total')).not.toHaveText(total!);
  await expect(admin.locator('#preview-ms')).toContainText('ms');

  // Pin Dana with Victor through "why not", then see the pin and its cost.
  await admin.getByLabel('Find a person').fill('Victor');
  const victorRow = table.locator('tbody tr', { hasText: 'Victor Lindqvist' });
  await expect(victorRow).toHaveCount(1);
  if ((await victorRow.textContent())!.includes('Dana Okafor')) {
    await victorRow.getByRole('button', { name: 'Pin' }).click();
  } else {
    await victorRow.getByRole('button', { name: /^Explain/ }).click();
    await admin.getByLabel(/Why not another mentor for Victor/).selectOption({ label: 'Dana Okafor' });
    await expect(admin.locator('#why-not-answer')).toContainText(/score/);
    await admin.getByRole('button', { name: 'Pin Dana Okafor with Victor Lindqvist' }).click();
  }
  await expect(table.locator('tbody tr', { hasText: 'Victor Lindqvist' })).toContainText('Dana Okafor');
  await expect(table.locator('tbody tr', { hasText: 'Victor Lindqvist' })).toContainText('pinned');
  await expect(admin.locator('.pins')).toContainText(/Dana Okafor with Victor Lindqvist · costs \d+\.\d{3} in total score/);

  // The explanation panel breaks the score down by criterion.
  await table.locator('tbody tr', { hasText: 'Victor Lindqvist' }).getByRole('button', { name: /^Explain/ }).click();
  await expect(admin.locator('.explain')).toContainText('Dana Okafor and Victor Lindqvist');
  await expect(admin.locator('.explain table.breakdown')).toContainText('Skills');

  if (process.env.SHOTS) await admin.screenshot({ path: `${process.env.SHOTS}/studio.png`, fullPage: true });
  await admin.getByRole('button', { name: 'Save this run' }).click();
  await expect(admin.locator('.form-status')).toContainText(/Run #\d+ saved/);
  await expect(admin.locator('#diff')).toContainText('0 added, 0 removed, 0 changed');
  await admin.getByRole('button', { name: /^Publish run #\d+…$/ }).click();
  await admin.getByRole('button', { name: /^Confirm: publish run/ }).click();
  await expect(admin.locator('.form-status')).toContainText(/Published: \d+ pairs created/);
  await admin.close();

  const dana = await browser.newContext().then(c => c.newPage());
  await signIn(dana, MENTOR);
  await expect(dana.locator('.nav-links a[href="/inbox"] .count')).toBeVisible();
  await dana.goto('/matches');
  await hydrated(dana);
  const card = dana.locator('article.match', { hasText: 'AI for leaders' });
  await expect(card).toContainText('Victor Lindqvist');
  await expect(card).toContainText('Why you were matched');
  await expect(card.locator('ul.reasons li').first()).toBeVisible();

  const victor = await browser.newContext().then(c => c.newPage());
  await signIn(victor, MENTEE);
  await victor.goto('/matches');
  await hydrated(victor);
  await expect(victor.locator('article.match', { hasText: 'AI for leaders' })).toContainText('Dana Okafor');
  await victor.goto('/inbox');
  await expect(victor.locator('.inbox')).toContainText('Your mentor in AI for leaders: Dana Okafor');
  await expect(victor.locator('.inbox')).toContainText('You were matched because');
});

test('an employee applies to an open programme and sees it waiting for approval', async ({ page, browser }) => {
  const admin = await browser.newPage();
  await signIn(admin, ADMIN);
  await admin.goto('/programmes/new');
  await hydrated(admin);
  await admin.getByLabel('Name', { exact: true }).fill('Open to all');
  await admin.getByRole('button', { name: 'Create programme' }).click();
  await expect(admin).toHaveURL(/\/manage$/);
  await admin.close();

  await signIn(page, 'mia.designer@demo.upmentor.test');
  await page.goto('/programmes');
  await hydrated(page);
  const card = page.locator('article.programme', { hasText: 'Open to all' });
  // A junior in a reverse programme is offered the mentor role.
  await expect(card.getByLabel('mentor', { exact: true })).toBeChecked();
  await card.getByLabel('Topics (comma-separated)').fill('Figma, TikTok');
  await card.getByRole('button', { name: 'Apply' }).click();
  await expect(page.locator('article.programme', { hasText: 'Open to all' })).toContainText('Waiting for approval as mentor');
});

test('the studio lists saved runs fifty at a time, newest first, and pages to older ones', async ({ page }) => {
  const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: 'upmentor-demo-2026' } })).ok()).toBeTruthy();
  const created = await page.request.post('/api/programmes/create', {
    data: { input: { name: `Many runs ${Date.now()}`, objectives: '', tags: [], kind: 'reverse', starts_on: day(30), ends_on: day(200),
      enrol_opens: day(-1), enrol_closes: day(20), mentor_capacity: '2', self_match: false } },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const id = await created.json();
  for (const [role, low, high] of [['mentor', '1', '3'], ['mentee', '6', '10']]) {
    const enrolled = await page.request.post('/api/programmes/bulk_enrol', {
      data: { input: { programme_id: id, role, source: { Filter: { department: 'Sales', level_min: low, level_max: high } } } },
    });
    expect(enrolled.ok(), await enrolled.text()).toBeTruthy();
  }
  const config = (await (await page.request.post('/api/studio/data', { form: { id: String(id) } })).json()).config;
  const ids: number[] = [];
  for (let i = 0; i < 51; i++) {
    const run = await page.request.post('/api/studio/run', { data: { id, config } });
    expect(run.ok(), await run.text()).toBeTruthy();
    ids.push((await run.json()).summary.id);
  }
  await page.goto(`/programmes/${id}/studio`);
  await hydrated(page);
  await expect(page.locator('#runs-count')).toHaveText('Runs 1–50 of 51, newest first');
  await expect(page.locator('ol.runs > li')).toHaveCount(50);
  await expect(page.locator('ol.runs > li').first()).toHaveAttribute('data-run', String(ids[50]));
  await expect(page.getByRole('button', { name: 'Newer runs' })).toBeDisabled();
  await page.getByRole('button', { name: 'Older runs' }).click();
  await expect(page.locator('#runs-count')).toHaveText('Runs 51–51 of 51, newest first');
  await expect(page.locator('ol.runs > li')).toHaveCount(1);
  await expect(page.locator('ol.runs > li')).toHaveAttribute('data-run', String(ids[0]));
  // Saving a run shows the newest page again, this run first.
  await page.getByRole('button', { name: 'Save this run' }).click();
  await expect(page.locator('#runs-count')).toHaveText('Runs 1–50 of 52, newest first');
  const saved = (await page.locator('.form-status').first().textContent())!.match(/Run #(\d+) saved/)![1];
  await expect(page.locator('ol.runs > li').first()).toHaveAttribute('data-run', saved);
});

test('the preview runs in a worker and a burst of slider moves ends on the newest setting', async ({ page }) => {
  await signIn(page, ADMIN);
  const id = await createProgramme(page, 'Worker preview');
  await enrolByLevel(page, 'Mentors', '1', '3');
  await enrolByLevel(page, 'Mentees', '6', '10');
  await page.goto(`/programmes/${id}/studio`);
  await hydrated(page);
  const table = page.locator('#pairs-table');
  await expect(table).toHaveAttribute('data-updates', '1');
  await expect(table).toHaveAttribute('aria-busy', 'false');
  expect(page.workers().map(w => w.url()), 'the engine runs off the page').toContainEqual(expect.stringMatching(/\/studio-worker\.js$/));

  // Ten moves, each handled by the page before any answer can come back: the preview in
  // flight finishes, the newest setting replaces the eight in between, and that one follows.
  await page.evaluate(async () => {
    const slider = document.querySelector('#w-2') as HTMLInputElement;
    for (let v = 1; v <= 10; v++) {
      slider.value = String(v);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
  });
  await expect(page.getByLabel(/^Cross-department/)).toHaveValue('10');
  await expect(table).toHaveAttribute('data-updates', /^[23]$/);
  await expect(table).toHaveAttribute('aria-busy', 'false');
  const updates = Number(await table.getAttribute('data-updates'));
  expect(updates, 'intermediate settings were skipped').toBeLessThanOrEqual(3);
  const total = await page.locator('#total').textContent();
  const matched = await page.locator('#matched').textContent();

  // The same setting reached in one move gives the same preview.
  await page.reload();
  await hydrated(page);
  await expect(table).toHaveAttribute('data-updates', '1');
  await page.getByLabel(/^Cross-department/).fill('10');
  await expect(table).toHaveAttribute('data-updates', '2');
  await expect(page.locator('#total')).toHaveText(total!);
  await expect(page.locator('#matched')).toHaveText(matched!);
});
