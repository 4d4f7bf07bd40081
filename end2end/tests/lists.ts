import { expect, Page, request as playwrightRequest } from '@playwright/test';
import { ADMIN, DESIGNER, MENTOR, MENTEE, PASSWORD, hydrated } from './helpers';

/** Pages, searches and sorts the demo programme's people and pairs on its manage page. */
export async function checkManageLists(page: Page, withScript: boolean) {
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const programmes = await (await page.request.post('/api/programmes', { form: {} })).json();
  const id = programmes.find((p: any) => p.name === 'Reverse mentoring 2026').id;
  const ready = async () => { if (withScript) await hydrated(page); };
  await page.goto(`/programmes/${id}/manage`);
  await ready();

  const people = page.locator('#people');
  const rows = people.locator('table.enrolments tbody tr');
  await expect(people.locator('.count')).toHaveText(/^\d+ people match(, \d+ waiting for approval)?$/);
  const total = parseInt((await people.locator('.count').textContent())!, 10);
  expect(total, 'the demo programme has hundreds of people').toBeGreaterThan(100);
  await expect(rows).toHaveCount(50);
  await expect(people.locator('.pager')).toContainText(`Page 1 of ${Math.ceil(total / 50)}`);
  const firstOnPageOne = (await rows.first().locator('td').first().textContent())!;

  await people.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/people_page=1/);
  await ready();
  await expect(people.locator('.pager')).toContainText('Page 2 of');
  await expect(rows).toHaveCount(50);
  await expect(rows.first().locator('td').first()).not.toHaveText(firstOnPageOne);

  // A name from this page, searched: the list narrows to it, whichever page it was on.
  const someone = (await rows.nth(3).locator('td').first().textContent())!.trim();
  await people.getByLabel('Name, email or department').fill(someone);
  await people.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/people_q=/);
  await ready();
  await expect(people.locator('.count')).toHaveText(/^[1-9]\d* (person|people) match(, \d+ waiting for approval)?$/);
  await expect(rows.first()).toContainText(someone);
  expect(await rows.count()).toBeLessThan(50);

  // The pairs, best score first; the people's search stays as it was.
  const pairs = page.locator('#pairs');
  await expect(pairs.locator('.count')).toHaveText(/^\d+ pairs match$/);
  await pairs.getByLabel('Order').selectOption('score');
  await pairs.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/pairs_sort=score/);
  await ready();
  expect(page.url()).toContain('people_q=');
  await expect(people.locator('table.enrolments tbody tr').first()).toContainText(someone);
  await expect(pairs.locator('table.pairs tbody tr')).toHaveCount(50);
  const scores = (await pairs.locator('table.pairs tbody tr td:nth-child(3)').allTextContents()).map(Number);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));

  // The admin page's invitations still waiting for a password: a page at a time, searched.
  await page.goto('/admin');
  await ready();
  const pending = page.locator('#pending');
  await expect(pending.locator('.count')).toHaveText(/^\d+ people match \(newest first\)$/);
  const waiting = parseInt((await pending.locator('.count').textContent())!, 10);
  expect(waiting, 'the demo has many people invited').toBeGreaterThan(50);
  await expect(pending.locator('ul.pending li')).toHaveCount(50);
  await pending.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/invites_page=1/);
  await ready();
  await expect(pending.locator('.pager')).toContainText('Page 2 of');
  const invited = (await pending.locator('ul.pending li span').nth(2).textContent())!.split(' · ')[1].trim();
  await pending.getByLabel('Name, email or department').fill(invited);
  await pending.getByRole('button', { name: 'Search' }).click();
  await expect(page).toHaveURL(/invites_q=/);
  await ready();
  await expect(pending.locator('.count')).toHaveText(/^1 person match/);
  await expect(pending.locator('ul.pending li')).toContainText(invited);
}

const day = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Everyone waiting whom the people list's filter matches is approved (or declined) at once:
 *  a new programme, Dana and Mia apply as mentors and Victor as a mentee; the admin narrows
 *  the list to mentors, ticks the box and decides both, while Victor stays waiting. */
export async function checkDecideEveryone(page: Page, baseURL: string, withScript: boolean) {
  const ready = async () => { if (withScript) await hydrated(page); };
  expect((await page.request.post('/api/sign_in', { form: { email: ADMIN, password: PASSWORD } })).ok()).toBeTruthy();
  const created = await page.request.post('/api/programmes/create', {
    data: { input: { name: `Decide everyone ${withScript ? 'hydrated' : 'plain'} ${Date.now()}`, objectives: '', tags: [], kind: 'reverse',
      starts_on: day(30), ends_on: day(200), enrol_opens: day(-1), enrol_closes: day(20), mentor_capacity: '2', self_match: false } },
  });
  expect(created.ok(), await created.text()).toBeTruthy();
  const id = await created.json();
  for (const [email, role] of [[MENTOR, 'mentor'], [DESIGNER, 'mentor'], [MENTEE, 'mentee']]) {
    const them = await playwrightRequest.newContext({ baseURL });
    expect((await them.post('/api/sign_in', { form: { email, password: PASSWORD } })).ok()).toBeTruthy();
    const applied = await them.post('/api/programmes/apply', { data: { input: { programme_id: id, role, motivation: 'Curious', topics: 'TikTok' } } });
    expect(applied.ok(), await applied.text()).toBeTruthy();
    await them.dispose();
  }
  await page.goto(`/programmes/${id}/manage?people_role=mentor`);
  await ready();
  const people = page.locator('#people');
  await expect(people.locator('.count')).toHaveText('2 people match, 2 waiting for approval');
  const form = people.locator('form.bulk-decide');
  await expect(form).toContainText('Decide all 2 waiting applications of this search, on every page');
  // Not without the box ticked (the browser's own check, before anything is sent).
  await form.getByRole('button', { name: 'Approve them' }).click();
  expect(await form.locator('input[type=checkbox]').evaluate(e => (e as HTMLInputElement).validity.valueMissing)).toBe(true);
  await expect(people.locator('.count')).toHaveText('2 people match, 2 waiting for approval');
  await form.getByLabel(/Decide all 2 waiting applications/).check();
  await form.getByRole('button', { name: withScript ? 'Approve them' : 'Decline them' }).click();
  const decided = withScript ? 'Enrolled' : 'Declined';
  if (withScript) await expect(people.locator('.form-status')).toHaveText('2 applications decided.');
  else await expect(page).toHaveURL(/people_role=mentor/);
  await ready();
  await expect(people.locator('.count')).toHaveText('2 people match');
  await expect(people.locator('form.bulk-decide')).toHaveCount(0);
  await expect(people.locator('table.enrolments tbody tr td:last-child')).toHaveText([decided, decided]);
  // Victor, outside the filter, is still waiting.
  await page.goto(`/programmes/${id}/manage`);
  await ready();
  await expect(people.locator('.count')).toHaveText('3 people match, 1 waiting for approval');
  await expect(people.getByRole('button', { name: 'Approve Victor Lindqvist' })).toBeVisible();
}
