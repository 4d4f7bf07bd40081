// The insights page on the 500-person demo with months of history (the crawl server), hydrated:
// charts, a group filter that changes the figures, a nudge that reaches a pair's inbox, a
// roadblock acknowledged and its reporter seeing the state, the calibration's weights opening
// in the studio with the sliders set, the printable report, and no serious axe violation.
import { test, expect, Page } from './fixtures';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN, MENTEE, MENTOR, hydrated, signIn } from './helpers';

async function demoProgramme(page: Page): Promise<number> {
  const programmes = await (await page.request.post('/api/programmes', { form: {} })).json();
  const programme = programmes.find((p: any) => p.name === 'Reverse mentoring 2026');
  expect(programme, 'the demo programme exists').toBeTruthy();
  return programme.id;
}

async function noSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter(v => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

function figure(page: Page, label: string) {
  return page.locator('section[aria-labelledby="funnel-h"] .figure-list li').filter({ hasText: label }).locator('.figure-count');
}

test('the insights page shows charts and a group filter changes the figures', async ({ page }) => {
  await signIn(page, ADMIN);
  const id = await demoProgramme(page);
  await page.goto(`/programmes/${id}/insights`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: /^Insights: Reverse mentoring 2026/ })).toBeVisible();
  expect(await page.locator('svg.chart').count(), 'charts are drawn').toBeGreaterThanOrEqual(4);
  await expect(page.locator('table.targets tbody tr')).toHaveCount(5);
  const everyone = Number(await figure(page, 'Approved').textContent());
  expect(everyone).toBeGreaterThan(100);
  // Everything a figure counts is a link to its pairs.
  await page.locator('section[aria-labelledby="funnel-h"]').getByRole('link', { name: 'their pairs: First check-in held' }).click();
  await expect(page).toHaveURL(/pairs=first%3Aheld/);
  await expect(page.locator('#pairs table.insight-pairs tbody tr').first()).toBeVisible();
  await noSeriousViolations(page);
  // The largest department, chosen in the filter.
  const option = page.locator('#f-group optgroup[label="Department"] option').first();
  const value = await option.getAttribute('value');
  await page.getByLabel('Whose figures').selectOption(value!);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await expect(page).toHaveURL(/group=department%3A/);
  await hydrated(page);
  await expect.poll(async () => Number(await figure(page, 'Approved').textContent())).toBeLessThan(everyone);
  await expect(page.getByLabel('Whose figures')).toHaveValue(value!);
});

test('an at-risk pair is nudged and its members see the nudge in their inbox', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  const id = await demoProgramme(page);
  await page.goto(`/programmes/${id}/insights`);
  await hydrated(page);
  const more = page.locator('section#health details.more > summary');
  if (await more.count()) await more.click();
  // Dana and Victor's pair is at risk: Dana raised a roadblock that is still open.
  const pair = page.locator('.at-risk-pair').filter({ hasText: 'Dana' }).filter({ hasText: 'Victor' });
  await expect(pair.locator('[data-reason="open_roadblock"]')).toBeVisible();
  await pair.getByText('Nudge, note as handled, or rematch').click();
  const message = `A nudge from the insights test ${Date.now()}`;
  await pair.getByLabel(/^Message to/).fill(message);
  await pair.getByRole('button', { name: 'Send the nudge' }).click();
  const nudgeStatus = pair.locator('form').first().locator('.form-status');
  await expect(nudgeStatus).toContainText('Sent to both');
  // Once a week: a second nudge is refused with the reason, and the typing stays.
  await pair.getByRole('button', { name: 'Send the nudge' }).click();
  await expect(nudgeStatus).toContainText('one nudge a week');
  await expect(pair.getByLabel(/^Message to/)).toHaveValue(message);
  const victor = await (await browser.newContext()).newPage();
  await signIn(victor, MENTEE);
  await victor.goto('/inbox');
  await hydrated(victor);
  await expect(victor.getByText(message)).toBeVisible();
});

test('a roadblock is acknowledged and the person who raised it sees its state, not the note', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  const id = await demoProgramme(page);
  await page.goto(`/programmes/${id}/insights#roadblocks`);
  await hydrated(page);
  const item = page.locator('li.roadblock').filter({ hasText: 'Our check-ins keep moving at short notice' });
  await expect(item).toHaveAttribute('data-state', 'open');
  const pairId = await item.getAttribute('data-pair');
  await item.getByLabel('Private note (admins only)').fill('Spoke to Victor\'s assistant about a fixed slot.');
  await item.getByRole('button', { name: 'Acknowledge' }).click();
  await expect(page.locator('li.roadblock').filter({ hasText: 'Our check-ins keep moving at short notice' })).toHaveAttribute('data-state', 'acknowledged');
  const dana = await (await browser.newContext()).newPage();
  await signIn(dana, MENTOR);
  await dana.goto(`/pairs/${pairId}`);
  await hydrated(dana);
  const mine = dana.locator('.my-roadblocks li').filter({ hasText: 'Our check-ins keep moving' });
  await expect(mine).toContainText('Acknowledged');
  await expect(dana.locator('body')).not.toContainText("assistant about a fixed slot");
});

test("the calibration's suggested weights open in the studio with the sliders set", async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, ADMIN);
  const id = await demoProgramme(page);
  await page.goto(`/programmes/${id}/insights#calibration`);
  await hydrated(page);
  const table = page.locator('table.calibration');
  // The demo's history is driven by the schedule criterion, and by nothing else.
  await expect(table.locator('tr[data-criterion="Schedule"]')).toContainText('helps');
  await expect(table.locator('tr[data-criterion="Skills"]')).toContainText('no evidence');
  const open = page.locator('#open-studio-weights');
  const href = await open.getAttribute('href');
  const weights = new URL(href!, 'http://x').searchParams.get('weights')!.split(',');
  expect(Number(weights[3])).toBeGreaterThan(5);
  await open.click();
  await expect(page).toHaveURL(/\/studio\?weights=/);
  await hydrated(page);
  await expect(page.locator('#suggested-weights')).toBeVisible();
  await expect(page.locator('input[type="range"][data-criterion="3"]')).toHaveValue(String(Number(weights[3])));
  await expect(page.locator('input[type="range"][data-criterion="0"]')).toHaveValue(String(Number(weights[0])));
});

test('the report for leadership prints as it reads', async ({ page }) => {
  await signIn(page, ADMIN);
  const id = await demoProgramme(page);
  await page.goto(`/programmes/${id}/report`);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Targets' })).toBeVisible();
  await expect(page.locator('.report ul.quotes li').first()).toBeVisible();
  await noSeriousViolations(page);
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.topbar')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Print or save as PDF' })).toBeHidden();
  await expect(page.locator('.report svg.chart').first()).toBeVisible();
});
